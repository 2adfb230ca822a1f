<%inherit file="/layout.mako"/>
<%def name="title()">Frequently Asked Questions</%def>
## A site replaces this page with its own help/faq.mako in site.templates.
<h1>Frequently Asked Questions</h1>
<dl>
  <dt>Why can't I create a login node?</dt>
  <dd>You need a system account on that location first (and a $HOME volume where storage is
    managed). The create page says which is missing. A VM type may also be capped per user, or
    need a GPU that is not free right now: the page shows the reason.</dd>
  <dt>My node shows Error. What now?</dt>
  <dd>The reason is shown under the node's name. You can always power off or delete a node in
    error; if it happens again, contact your site's support with the Server Instance Id.</dd>
  <dt>Does a powered-off node cost anything?</dt>
  <dd>It uses no server-hours. Its disk is kept, so storage still counts.</dd>
  <dt>Where is my API key?</dt>
  <dd>Under <a href="${request.route_path('profile')}">My Profile</a>. The secret is shown once,
    when you create or rotate the key: store it then.</dd>
</dl>
