<%inherit file="/layout.mako"/>
<%namespace name="f" file="/forms.mako"/>
<%def name="title()">My Login Nodes</%def>
<h1>My Login Nodes</h1>
<p class="text-muted portal-explain">
  <strong>Power off</strong> removes the node's running server but keeps its disk and its SCM id:
  an off node uses no server-hours (its storage still counts). <strong>Power on</strong> boots it
  again from the same disk. <strong>Delete</strong> removes the node and its disk for good.
</p>
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
  <% view = outcome.view; nodes = view.nodes(); url = urls[cc.id] %>
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
  % if not nodes:
  <p>No login nodes here yet.</p>
  % endif
  % for node in nodes:
  <article class="card portal-node" id="node-${node.id}"
    % if node.busy:
           data-poll="${url('status', node.id)}"
    % endif
  >
    <div class="card-body">
      <h3 class="h5">${node.hostname or node.id}
        <span class="badge ${'badge-danger' if node.failed else ('badge-success' if node.status == 'ACTIVE' else 'badge-secondary')} portal-status" role="status">${node.label}</span>
      </h3>
      % if node.failed:
      <% happened, next_step = node.explained %>
      <div class="alert alert-danger py-2 mb-2">
        <p class="mb-1"><strong>${happened}</strong></p>
        <p class="mb-1">What to try: ${next_step}</p>
        % if node.reason:
        <p class="small mb-0">Details from ${cc.name}: <span class="portal-reason">${node.reason}</span></p>
        % endif
      </div>
      % elif node.reason:
      <p class="text-muted portal-reason">${node.reason}</p>
      % else:
      <p class="portal-reason d-none"></p>
      % endif
      <p class="alert alert-warning py-2 mb-2 portal-overdue${'' if node.overdue else ' d-none'}">${node.overdue}</p>
      <p class="small text-muted mb-2">Server Instance Id: ${node.id} · Created ${node.created}
        % if not node.mine and node.owner_label:
        · Owner: ${node.owner_label}
        % elif not node.mine:
        · Shared with you by its owner
        % endif
      </p>
      <table class="table table-sm portal-node-facts">
        <thead><tr><th scope="col">Public IP</th><th scope="col">Private IP</th><th scope="col">VM Type</th><th scope="col">Image</th></tr></thead>
        <tbody><tr>
          <td class="portal-public-ip">${node.public_ip or '—'}</td>
          <td class="portal-private-ip">${node.private_ip or '—'}</td>
          <td>${flavor_text(node.flavor)}</td>
          <td>${node.image.get('name', '')}</td>
        </tr></tbody>
      </table>
      <div class="portal-actions">
        % for action, label, shown in (('on', 'Power on', node.can_power_on), ('off', 'Power off', node.can_power_off), ('reboot', 'Reboot', node.can_reboot)):
        % if not node.can_power and action in ('off', 'on') and (node.status == 'STOPPED') == (action == 'on'):
        <button type="button" class="btn btn-outline-secondary btn-sm" disabled aria-describedby="why-${node.id}">${label}<span class="sr-only"> ${node.hostname} (not allowed)</span></button>
        % elif shown:
        <form method="post" action="${url('power', node.id)}" class="d-inline">
          ${csrf_input}
          <input type="hidden" name="action" value="${action}">
          <button type="submit" class="btn btn-outline-secondary btn-sm"
            % if action == 'off':
                  data-confirm="Power off ${node.hostname}? Its disk is kept; it can be powered on again."
            % endif
          >${label}<span class="sr-only"> ${node.hostname}</span></button>
        </form>
        % endif
        % endfor
        % if node.can_delete:
        <a class="btn btn-outline-danger btn-sm" href="${url('delete', node.id)}">Delete<span class="sr-only"> ${node.hostname}</span></a>
        % else:
        <button type="button" class="btn btn-outline-danger btn-sm" disabled aria-describedby="why-${node.id}">Delete<span class="sr-only"> ${node.hostname} (not allowed)</span></button>
        % endif
      </div>
      % if node.denied:
      <p class="small text-muted mt-1 mb-0" id="why-${node.id}">${node.denied}</p>
      % endif
      % if node.can_manage:
      <% candidates = view.candidates(node) %>
      <details class="portal-acl mt-3">
        <summary>Manage ACLs / User Permissions</summary>
        <p class="small text-muted">Manage permissions for your users on this server instance.</p>
        % if not candidates:
        <p>None of your users has a system account on ${cc.name} yet.</p>
        % else:
        <form method="post" action="${url('acl', node.id)}">
          ${csrf_input}
          <table class="table table-sm">
            <caption class="sr-only">User permissions on ${node.hostname}</caption>
            <thead><tr><th scope="col">ID / Email</th><th scope="col">Username</th><th scope="col">Log in</th><th scope="col">Activate Instance</th><th scope="col">Delete Instance</th></tr></thead>
            <tbody>
            % for c in candidates:
            <% g = node.grants.get(c.user_id) %>
            <tr>
              <td>${c.email}</td>
              <td>${c.system_name}</td>
              <td><input type="checkbox" name="login" value="${c.user_id}" id="acl-${node.id}-${c.user_id}-login" ${'checked' if g else ''}>
                  <label class="sr-only" for="acl-${node.id}-${c.user_id}-login">${c.system_name} may log in</label></td>
              <td><input type="checkbox" name="power" value="${c.user_id}" id="acl-${node.id}-${c.user_id}-power" ${'checked' if g and g.power else ''}>
                  <label class="sr-only" for="acl-${node.id}-${c.user_id}-power">${c.system_name} may power on and off</label></td>
              <td><input type="checkbox" name="delete" value="${c.user_id}" id="acl-${node.id}-${c.user_id}-delete" ${'checked' if g and g.delete else ''}>
                  <label class="sr-only" for="acl-${node.id}-${c.user_id}-delete">${c.system_name} may delete</label></td>
            </tr>
            % endfor
            </tbody>
          </table>
          <button type="submit" class="btn btn-secondary btn-sm">Save permissions</button>
        </form>
        % endif
      </details>
      % endif
    </div>
  </article>
  % endfor
  <p><a href="${request.route_path('nodes.deleted', cc=cc.id)}">View deleted instances at this location.</a></p>
  % endif
</section>
% endfor
