<%inherit file="/layout.mako"/>
<%namespace name="f" file="/forms.mako"/>
<%def name="title()">Manage My Accounts &amp; Groups</%def>
<h1>Manage My Accounts &amp; Groups</h1>
% for outcome in outcomes:
<% cc = outcome.controller %>
<section class="portal-controller" id="cc-${cc.id}" aria-labelledby="cc-${cc.id}-title">
  <h2 id="cc-${cc.id}-title">${cc.name}</h2>
  % if not outcome.ok:
  <div class="alert alert-warning" role="alert">${outcome.error} The rest of the page works; try this location again later.</div>
  % else:
  <% account = outcome.account %>
  <h3 class="h5">System account</h3>
  % if account is None:
  <p>You have no system account on ${cc.name} yet: you need one to use login nodes here.</p>
  <form method="post" action="${request.route_path('accounts.system_account', cc=cc.id)}" novalidate>
    ${f.csrf()}
    ${f.form_message(forms.get((cc.id, 'system')))}
    ${f.field(forms.get((cc.id, 'system')), 'system_name', 'System (UNIX) user name', required=True, prefix='sys-%s' % cc.id, help='Lowercase letters, digits, _ and -, starting with a letter.')}
    <button type="submit" class="btn btn-primary btn-sm">Create system account</button>
  </form>
  % else:
  <p>User name <strong>${account.get('system-name')}</strong>
    % if account.get('uid') is not None:
    (uid ${account.get('uid')})
    % endif
    % if account.get('system-groups'):
    · groups: ${', '.join(account.get('system-groups'))}
    % endif
  </p>

  % if settings.storage_mgmt:
  <h3 class="h5">$HOME storage volume
    % if settings.cc_storage_driver:
    <small class="text-muted">(${settings.cc_storage_driver})</small>
    % endif
  </h3>
  <% volumes = outcome.value.get('volumes') or [] %>
  % if volumes:
  <ul>
    % for v in volumes:
    <li>${v.get('volume-name')} · ${v.get('status', '')} · created ${(v.get('creation-date') or '')[:10]}</li>
    % endfor
  </ul>
  % else:
  <p>You have no $HOME volume here yet: login nodes need one.</p>
  <form method="post" action="${request.route_path('accounts.home', cc=cc.id)}">
    ${f.csrf()}
    <button type="submit" class="btn btn-primary btn-sm">Create my $HOME</button>
  </form>
  % endif
  % endif

  % if settings.ssh_key_mgmt:
  <h3 class="h5">SSH public keys</h3>
  <% keys = account.get('ssh-public-keys') or [] %>
  % if keys:
  <ul class="list-unstyled">
    % for line in keys:
    <% kind, comment = key_label(line) %>
    <li class="mb-1">${kind} <strong>${comment or '(no comment)'}</strong>
      <form method="post" action="${request.route_path('accounts.key_remove', cc=cc.id)}" class="d-inline">
        ${f.csrf()}
        <input type="hidden" name="key_id" value="${key_id(line)}">
        <button type="submit" class="btn btn-link btn-sm text-danger" data-confirm="Remove this SSH key?">Remove<span class="sr-only"> key ${comment}</span></button>
      </form>
    </li>
    % endfor
  </ul>
  % else:
  <p>No SSH keys yet.</p>
  % endif
  <form method="post" action="${request.route_path('accounts.key_add', cc=cc.id)}" novalidate>
    ${f.csrf()}
    <% kf = forms.get((cc.id, 'key')) %>
    ${f.form_message(kf)}
    ${f.field(kf, 'key', 'Add an SSH public key', prefix='key-%s' % cc.id, help='One line, e.g. ssh-ed25519 AAAA... you@laptop')}
    <button type="submit" class="btn btn-secondary btn-sm">Add key</button>
  </form>
  % endif
  % endif

  <h3 class="h5 mt-4">UNIX groups</h3>
  <% groups = outcome.value.get('groups') or [] %>
  % if not groups:
  <p>No groups yet.</p>
  % endif
  % for g in groups:
  <div class="card mb-2"><div class="card-body">
    <h4 class="h6">${g.get('group-name')}
      % if g.get('gid') is not None:
      <small class="text-muted">gid ${g.get('gid')}</small>
      % endif
    </h4>
    <ul>
    % for m in g.get('group-members', []):
      <li>${outcome.names.get(m, m)}
        <form method="post" action="${request.route_path('accounts.group_members', cc=cc.id, group=g['group-id'])}" class="d-inline">
          ${f.csrf()}
          <input type="hidden" name="action" value="remove">
          <input type="hidden" name="member" value="${m}">
          <button type="submit" class="btn btn-link btn-sm">Remove<span class="sr-only"> ${outcome.names.get(m, m)} from ${g.get('group-name')}</span></button>
        </form>
      </li>
    % endfor
    </ul>
    <% addable = [u for u in outcome.members if u['user-id'] not in g.get('group-members', [])] %>
    % if addable:
    <form method="post" action="${request.route_path('accounts.group_members', cc=cc.id, group=g['group-id'])}" class="form-inline">
      ${f.csrf()}
      <input type="hidden" name="action" value="add">
      <label for="add-${g['group-id']}" class="mr-2">Add member</label>
      <select id="add-${g['group-id']}" name="member" class="form-control form-control-sm mr-2">
        % for u in addable:
        <option value="${u['user-id']}">${u.get('system-name')} (${emails.get(u.get('cloudauth-id'), u.get('cloudauth-id'))})</option>
        % endfor
      </select>
      <button type="submit" class="btn btn-secondary btn-sm">Add</button>
    </form>
    % endif
    <form method="post" action="${request.route_path('accounts.group_delete', cc=cc.id, group=g['group-id'])}" class="mt-2">
      ${f.csrf()}
      <button type="submit" class="btn btn-outline-danger btn-sm" data-confirm="Delete group ${g.get('group-name')}?">Delete group<span class="sr-only"> ${g.get('group-name')}</span></button>
    </form>
  </div></div>
  % endfor
  % if account is None:
  <p class="text-muted portal-group-hint">${group_hint % cc.name}</p>
  % else:
  <form method="post" action="${request.route_path('accounts.group_create', cc=cc.id)}" novalidate>
    ${f.csrf()}
    <% gf = forms.get((cc.id, 'group')) %>
    ${f.form_message(gf)}
    ${f.field(gf, 'group_name', 'New group name', prefix='grp-%s' % cc.id)}
    <button type="submit" class="btn btn-secondary btn-sm">Create group</button>
  </form>
  % endif
  % endif
</section>
% endfor
