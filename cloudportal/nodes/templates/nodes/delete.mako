<%inherit file="/layout.mako"/>
<%namespace name="f" file="/forms.mako"/>
<%def name="title()">Delete ${node.hostname or node.id}</%def>
## Offered only to who may delete; the POST is refused by the controller for anyone else.
% if not node.can_delete:
<h1>${node.hostname or node.id} cannot be deleted by you</h1>
<div class="alert alert-warning" role="alert">${node.denied}</div>
<p><a href="${back}">Back to My Login Nodes</a></p>
% else:
<h1>Delete ${node.hostname or node.id}?</h1>
<div class="alert alert-danger" role="alert">
  Deleting removes the login node on ${controller.name} and its disk. This cannot be undone.
  (To stop paying server-hours but keep the disk, power it off instead.)
</div>
<p>Server Instance Id: ${node.id} · Status: ${node.label}</p>
<form method="post" action="${request.route_path('nodes.delete', cc=controller.id, instance=node.id)}">
  ${f.csrf()}
  % if show_all:
  <input type="hidden" name="show" value="all">
  % endif
  <button type="submit" class="btn btn-danger">Delete ${node.hostname or node.id}</button>
  <a class="btn btn-link" href="${back}">Cancel</a>
</form>
% endif
