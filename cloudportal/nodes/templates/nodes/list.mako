<%inherit file="/layout.mako"/>
<%namespace name="f" file="/forms.mako"/>
<%def name="title()">My Login Nodes</%def>
<h1>My Login Nodes</h1>
<p class="text-muted portal-explain">
  <strong>Power off</strong> removes the node's running server but keeps its disk and its SCM id:
  an off node uses no server-hours (its storage still counts). <strong>Power on</strong> boots it
  again from the same disk. <strong>Delete</strong> removes the node and its disk for good.
</p>
## The power and SCW Login buttons of every card submit this one form (their formaction names the
## node): one CSRF field per page, not one per button.
<%def name="keep_show()">
% if show_all:
<input type="hidden" name="show" value="all">
% endif
</%def>
<form method="post" id="card-actions" action="${request.route_path('nodes')}">${csrf_input}${keep_show()}</form>
% if show_all and more:
<p><a href="${request.route_path('nodes')}">Show only the ${page_size} newest login nodes at each location</a></p>
% endif
% for outcome in outcomes:
<% cc = outcome.controller %>
<section class="portal-controller" id="cc-${cc.id}" aria-labelledby="cc-${cc.id}-title">
  <h2 id="cc-${cc.id}-title">${cc.name}</h2>
  % if cc.config.description:
  <p class="text-muted">${cc.config.description}</p>
  % endif
  % if not outcome.ok:
  <div class="alert alert-warning" role="alert">${outcome.error} The rest of the page works; try this location again later.</div>
  % else:
    % if outcome.missing:
  <div class="alert alert-info" role="status">
    <p class="mb-1">Before you can create a login node on ${cc.name}:</p>
    <ol class="mb-0">
      % if 'system_account' in outcome.missing:
      <li><a href="${request.route_path('accounts', _anchor='cc-%s' % cc.id)}">Create your system account</a> (your UNIX user name on ${cc.name}).</li>
      % endif
      % if 'system_account' in outcome.missing and settings.storage_mgmt:
      <li>Then create your $HOME storage volume on the same page.</li>
      % elif 'home' in outcome.missing:
      <li><a href="${request.route_path('accounts', _anchor='cc-%s' % cc.id)}">Create your $HOME storage volume</a> (where your files live on every login node).</li>
      % endif
    </ol>
  </div>
  % else:
  <p><a class="btn btn-primary btn-sm" href="${request.route_path('nodes.create', cc=cc.id)}">+ Create a Login Node</a></p>
  % endif
  % if not outcome.cards:
  <p>No login nodes here yet.</p>
  % endif
  ## Cards (cloudportal/nodes/cards.py): ``c.*`` are Markup escaped once in Python; the default
  ## filter passes Markup through unchanged and escapes anything else, so nothing here uses | n.
  ## A page holds up to hundreds of cards: their markup is kept short (no indentation, one CSRF
  ## field per page: the power and SCW buttons belong to the page's form "card-actions" and carry
  ## their node's URL in formaction), and the placeholders portal.js fills are written only on
  ## the nodes it polls.
  % for c in outcome.cards:
<% node = c.node %>\
<article class="card portal-node" id="node-${c.id}"
% if node.busy:
 data-poll="${c.urls['status']}"
% endif
><div class="card-body">
<h3 class="h5">${c.title} <span class="badge ${c.badge} portal-status" role="status">${c.label}</span></h3>
% if node.failed:
<% happened, next_step = node.explained %>\
<div class="alert alert-danger py-2 mb-2"><p class="mb-1"><strong>${happened}</strong></p><p class="mb-1">What to try: ${next_step}</p>
% if node.reason:
<p class="small mb-0">Details from ${cc.name}: <span class="portal-reason">${c.reason}</span></p>
% endif
</div>
% elif node.reason:
<p class="text-muted portal-reason">${c.reason}</p>
% elif node.busy:
<p class="portal-reason d-none"></p>
% endif
% if node.overdue:
<p class="alert alert-warning py-2 mb-2 portal-overdue">${c.overdue}</p>
% elif node.busy:
<p class="alert alert-warning py-2 mb-2 portal-overdue d-none"></p>
% endif
<p class="small text-muted mb-2">Server Instance Id: ${c.id} · Created ${c.created}${c.owner}</p>
<table class="table table-sm portal-node-facts"><thead><tr><th scope="col">Public IP</th><th scope="col">Private IP</th><th scope="col">VM Type</th><th scope="col">Image</th></tr></thead>
<tbody><tr><td class="portal-public-ip">${c.public_ip}</td><td class="portal-private-ip">${c.private_ip}</td><td>${c.flavor}</td><td>${c.image}</td></tr></tbody></table>
<div class="portal-actions">
% for action, label, mode in c.actions:
% if mode == 'denied':
<button type="button" class="btn btn-outline-secondary btn-sm" disabled aria-describedby="why-${c.id}">${label}<span class="sr-only"> ${c.hostname} (not allowed)</span></button>
% elif action == 'off':
<button type="submit" form="card-actions" formaction="${c.urls['power']}" name="action" value="off" class="btn btn-outline-secondary btn-sm" data-confirm="Power off ${c.hostname}? Its disk is kept; it can be powered on again.">Power off<span class="sr-only"> ${c.hostname}</span></button>
% else:
<button type="submit" form="card-actions" formaction="${c.urls['power']}" name="action" value="${action}" class="btn btn-outline-secondary btn-sm">${label}<span class="sr-only"> ${c.hostname}</span></button>
% endif
% endfor
% if scw != 'off' and node.workstation and node.can_login and node.status == 'ACTIVE':
% if scw == 'on':
<button type="submit" form="card-actions" formaction="${c.urls['scw']}" formtarget="_blank" class="btn btn-primary btn-sm">SCW Login<span class="sr-only"> to ${c.hostname} (opens a new tab)</span></button>
% else:
<button type="button" class="btn btn-outline-primary btn-sm" disabled aria-describedby="scw-why-${c.id}">SCW Login<span class="sr-only"> to ${c.hostname} (unavailable)</span></button>
% endif
% endif
% if node.can_delete:
<a class="btn btn-outline-danger btn-sm" href="${c.urls['delete']}${delete_query}">Delete<span class="sr-only"> ${c.hostname}</span></a>
% else:
<button type="button" class="btn btn-outline-danger btn-sm" disabled aria-describedby="why-${c.id}">Delete<span class="sr-only"> ${c.hostname} (not allowed)</span></button>
% endif
</div>
% if node.denied:
<p class="small text-muted mt-1 mb-0" id="why-${c.id}">${c.denied}</p>
% endif
% if scw == 'masquerade' and node.workstation and node.can_login and node.status == 'ACTIVE':
<p class="small text-muted mt-1 mb-0" id="scw-why-${c.id}">${scw_why}</p>
% endif
% if node.can_manage and acl:
<details class="portal-acl mt-3"><summary>Manage ACLs / User Permissions</summary>
<p class="small text-muted">Manage permissions for your users on this server instance.</p>
% if not c.candidates:
<p>None of your users has a system account on ${cc.name} yet.</p>
% else:
<form method="post" action="${c.urls['acl']}">${csrf_input}${keep_show()}
<table class="table table-sm"><caption class="sr-only">User permissions on ${c.hostname}</caption>
<thead><tr><th scope="col">ID / Email</th><th scope="col">Username</th><th scope="col">Log in</th><th scope="col">Activate Instance</th><th scope="col">Delete Instance</th></tr></thead>
<tbody>
% for row in c.candidates:
<% g = node.grants.get(row.user_id) %>\
<tr><td>${row.email}</td><td>${row.system_name}</td>
<td><input type="checkbox" name="login" value="${row.uid}" id="acl-${c.id}-${row.uid}-login"${' checked' if g else ''}> <label class="sr-only" for="acl-${c.id}-${row.uid}-login">${row.system_name} may log in</label></td>
<td><input type="checkbox" name="power" value="${row.uid}" id="acl-${c.id}-${row.uid}-power"${' checked' if g and g.power else ''}> <label class="sr-only" for="acl-${c.id}-${row.uid}-power">${row.system_name} may power on and off</label></td>
<td><input type="checkbox" name="delete" value="${row.uid}" id="acl-${c.id}-${row.uid}-delete"${' checked' if g and g.delete else ''}> <label class="sr-only" for="acl-${c.id}-${row.uid}-delete">${row.system_name} may delete</label></td></tr>
% endfor
</tbody></table>
<button type="submit" class="btn btn-secondary btn-sm">Save permissions</button>
</form>
% endif
</details>
% endif
</div></article>
  % endfor
  % if not show_all and outcome.total > len(outcome.cards):
  <p class="portal-more">Showing the ${len(outcome.cards)} newest of ${outcome.total} login nodes at ${cc.name}.
    <a href="${request.route_path('nodes', _query={'show': 'all'}, _anchor='cc-%s' % cc.id)}">Show all ${outcome.total}</a></p>
  % endif
  <p><a href="${request.route_path('nodes.deleted', cc=cc.id)}">View deleted instances at this location.</a></p>
  % endif
</section>
% endfor
