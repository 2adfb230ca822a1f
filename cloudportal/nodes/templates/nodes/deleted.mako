<%inherit file="/layout.mako"/>
<%def name="title()">Deleted instances · ${controller.name}</%def>
<h1>Deleted instances at ${controller.name}</h1>
% if not nodes:
<p>No deleted instances here.</p>
% else:
<table class="table">
  <thead><tr><th scope="col">Name</th><th scope="col">Server Instance Id</th><th scope="col">Created</th><th scope="col">Deleted</th><th scope="col">VM Type</th><th scope="col">Image</th><th scope="col">Owner</th></tr></thead>
  <tbody>
  % for node in nodes:
  <tr><td>${node.hostname}</td><td>${node.id}</td><td>${node.created}</td><td>${node.deleted}</td>
      <td>${flavor_text(node.flavor)}</td><td>${node.image.get('name', '')}</td><td>${node.owner_label or 'shared with you'}</td></tr>
  % endfor
  </tbody>
</table>
% endif
<p><a href="${request.route_path('nodes')}">Back to My Login Nodes</a></p>
