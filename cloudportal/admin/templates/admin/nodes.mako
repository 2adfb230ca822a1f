<%inherit file="/layout.mako"/>
<%namespace name="l" file="/admin/_list.mako"/>
<%namespace name="f" file="/forms.mako"/>
<%def name="title()">All Login Nodes · Administration</%def>
<h1>All Login Nodes</h1>
% if not controllers:
<p>No cloud controller is configured in cloudportal.ini.</p>
% else:
<% here = {'cc': str(chosen.id)} %>
<ul class="nav nav-tabs mb-3">
  % for c in controllers:
  <li class="nav-item"><a class="nav-link${' active' if c.id == chosen.id else ''}" href="${request.route_path('admin.nodes', _query={'cc': str(c.id)})}"
    % if c.id == chosen.id:
    aria-current="page"
    % endif
  >${c.name}</a></li>
  % endfor
</ul>
${l.search('admin.nodes', query, 'Find by hostname, IP, status, node or owner id', hidden=here)}
% if error:
<div class="alert alert-warning" role="alert">${error}</div>
% elif nodes:
<table class="table table-sm">
  <caption class="sr-only">Login nodes on ${chosen.name}, sorted by ${columns[query.sort]}</caption>
  <thead><tr>
  % for column, label in columns.items():
    ${l.heading('admin.nodes', query, column, label, hidden=here)}
  % endfor
  <th scope="col">Power</th>
  </tr></thead>
  <tbody>
  % for n in nodes:
  <tr id="node-${n['id']}">
    <td><a href="${request.route_path('admin.node', cc=chosen.id, instance=n['id'])}">${n.get('hostname') or n['id'][:8]}</a></td>
    <td>${owners.get(n.get('cloudauth-id'), n.get('cloudauth-id'))}</td>
    <td>${labels.get(n.get('status'), n.get('status'))}</td>
    <td>${n.get('public-ip', '—')}</td>
    <td>${flavor_text(flavors.get(n.get('server-flavor'), {})) or n.get('server-flavor')}</td>
    <td>${n.get('creation-date', '').replace('T', ' ')}</td>
    <td>
      % if n.get('status') not in ('DELETED', 'DELETING'):
      <form method="post" action="${request.route_path('admin.node_power', cc=chosen.id, instance=n['id'])}" class="d-inline">
        ${f.csrf()}
        % for k, v in query.params().items():
        <input type="hidden" name="${k}" value="${v}">
        % endfor
        % for action, label in actions.items():
        <button type="submit" name="action" value="${action}" class="btn btn-outline-secondary btn-sm">${label}<span class="sr-only"> ${n.get('hostname') or n['id']}</span></button>
        % endfor
      </form>
      % endif
    </td>
  </tr>
  % endfor
  </tbody>
</table>
${l.pager('admin.nodes', query, total, hidden=here)}
% else:
% if query.search:
<p>No login node on ${chosen.name} matches “${query.search}”.</p>
% else:
<p>${chosen.name} has no login nodes.</p>
% endif
% endif
% endif
