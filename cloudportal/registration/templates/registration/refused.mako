<%inherit file="/layout.mako"/>
<%def name="title()">${heading}</%def>
<div class="portal-card">
<h1>${heading}</h1>
<div class="alert alert-warning" role="alert">${message}</div>
<ul class="list-unstyled">
  % if again == 'register':
  <li><a href="${request.route_path('register')}">Ask for a new registration link</a></li>
  % elif again == 'password_forgot':
  <li><a href="${request.route_path('password_forgot')}">Ask for a new password link</a></li>
  % endif
  <li><a href="${request.route_path('login')}">Log in</a></li>
</ul>
</div>
