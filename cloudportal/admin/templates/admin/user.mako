<%inherit file="/layout.mako"/>
<%namespace name="f" file="/forms.mako"/>
<%def name="title()">${user.get('email')} · Administration</%def>
<p><a href="${request.route_path('admin.users')}">← All users</a></p>
<h1>${user.get('name') or user.get('email')}</h1>
<dl class="row">
  <dt class="col-sm-3">Email</dt><dd class="col-sm-9">${user.get('email')}</dd>
  % if user.get('username'):
  <dt class="col-sm-3">Login name</dt><dd class="col-sm-9">${user.get('username')}</dd>
  % endif
  <dt class="col-sm-3">Status</dt><dd class="col-sm-9">${'Active' if user.get('active') else 'Deactivated'}</dd>
  <dt class="col-sm-3">Registered by</dt><dd class="col-sm-9">${user.get('registration_source', '')}</dd>
  <dt class="col-sm-3">API key</dt><dd class="col-sm-9">${user.get('api_key') or 'None'}</dd>
  <dt class="col-sm-3">System accounts</dt>
  <dd class="col-sm-9">${', '.join('%s (controller %s)' % (a.get('username'), a.get('cloud_controller_id')) for a in user.get('system_accounts', [])) or 'None'}</dd>
</dl>
<% is_super = 'superuser' in (user.get('roles') or []) %>
<div class="d-flex flex-wrap mb-3">
% if user['id'] != me.userid:
  <form method="post" action="${request.route_path('admin.user_active', user=user['id'])}" class="mr-2">
    ${f.csrf()}
    % if user.get('active'):
    <input type="hidden" name="active" value="0">
    <button type="submit" class="btn btn-outline-danger btn-sm" data-confirm="Deactivate ${user.get('email')}? They are signed out everywhere.">Deactivate</button>
    % else:
    <input type="hidden" name="active" value="1">
    <button type="submit" class="btn btn-secondary btn-sm">Activate</button>
    % endif
  </form>
  % if user.get('active') and not is_super:
  <form method="post" action="${request.route_path('admin.masquerade', user=user['id'])}">
    ${f.csrf()}
    <button type="submit" class="btn btn-warning btn-sm">View the portal as ${user.get('email')}</button>
  </form>
  % elif is_super:
  <p class="text-muted mb-0">A superuser cannot be viewed as.</p>
  % else:
  <p class="text-muted mb-0">Activate the account to view the portal as this user.</p>
  % endif
% else:
  <p class="text-muted mb-0">This is your own account. The superuser's account is always a local account, never LDAP or SSO.</p>
% endif
</div>

<h2 class="h4">Roles</h2>
<form method="post" action="${request.route_path('admin.user_roles', user=user['id'])}" class="mb-4">
  ${f.csrf()}
  <fieldset>
    <legend class="sr-only">Roles of ${user.get('email')}</legend>
    % for role in roles:
    <div class="form-check">
      <input class="form-check-input" type="checkbox" name="role" value="${role['name']}" id="role-${role['id']}"
        % if role['name'] in (user.get('roles') or []):
        checked
        % endif
      >
      <label class="form-check-label" for="role-${role['id']}">${role_words.get(role['name'], role.get('description') or role['name'])}</label>
    </div>
    % endfor
  </fieldset>
  <button type="submit" class="btn btn-outline-secondary btn-sm mt-2">Save roles</button>
</form>

<h2 class="h4">Set password</h2>
<p class="text-muted">Only for local accounts; LDAP and SSO users change theirs at their site. The user's sessions end.</p>
${f.form_message(password)}
<form method="post" action="${request.route_path('admin.user_password', user=user['id'])}" novalidate class="mb-4">
  ${f.csrf()}
  ${f.field(password, 'password', 'New password', type='password', required=True, autocomplete='new-password', prefix='pw')}
  ${f.field(password, 'confirm', 'New password again', type='password', required=True, autocomplete='new-password', prefix='pw')}
  <button type="submit" class="btn btn-primary btn-sm">Set password</button>
</form>

<h2 class="h4">Set API key</h2>
<p class="text-muted">Installs a known key and secret (for example a service account's). Tokens obtained with the previous key are revoked.</p>
${f.form_message(api_key)}
<form method="post" action="${request.route_path('admin.user_api_key', user=user['id'])}" novalidate>
  ${f.csrf()}
  ${f.field(api_key, 'api_key', 'API key', required=True, autocomplete='off', prefix='key', help='8 to 128 letters, digits, ".", "-" or "_".')}
  ${f.field(api_key, 'api_secret', 'API secret', type='password', required=True, autocomplete='new-password', prefix='key', help='16 to 256 printable characters; never shown again.')}
  <button type="submit" class="btn btn-primary btn-sm">Set API key</button>
</form>
