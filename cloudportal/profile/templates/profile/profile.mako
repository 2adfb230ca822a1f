<%inherit file="/layout.mako"/>
<%namespace name="f" file="/forms.mako"/>
<%def name="title()">My Profile</%def>
<h1>My Profile</h1>
<section aria-labelledby="details-title" class="mb-4">
  <h2 id="details-title" class="h4">Details</h2>
  ${f.form_message(details)}
  % if owned_elsewhere:
  ## A directory (LDAP) or SSO user: the site owns these; shown, not editable.
  <dl class="row mb-2" id="details-readonly">
    <dt class="col-sm-2">Name</dt><dd class="col-sm-10">${user.get('name') or '(none given)'}</dd>
    <dt class="col-sm-2">Email</dt><dd class="col-sm-10">${user.get('email', '')}</dd>
  </dl>
  % if not details.message:
  <p id="details-where">${owned_elsewhere}</p>
  % endif
  % else:
  <form method="post" action="${request.route_path('profile.details')}" novalidate>
    ${f.csrf()}
    ${f.field(details, 'name', 'Name', autocomplete='name')}
    ${f.field(details, 'email', 'Email', type='email', required=True, autocomplete='email')}
    <button type="submit" class="btn btn-primary btn-sm">Save details</button>
  </form>
  % endif
</section>
<section aria-labelledby="password-title" class="mb-4">
  <h2 id="password-title" class="h4">Password</h2>
  % if request.session.get('external_login'):
  ## external_login (sso, ldap): Cloud Auth keeps no password for this user.
  <p>You sign in with your organization's account (${'single sign-on' if request.session['external_login'] == 'sso' else 'directory'}):
    change its password with your site's password service, not here.</p>
  % else:
  ${f.form_message(password)}
  <form method="post" action="${request.route_path('profile.password')}" novalidate>
    ${f.csrf()}
    ${f.field(password, 'current_password', 'Current password', type='password', required=True, autocomplete='current-password', prefix='pw')}
    ${f.field(password, 'password', 'New password', type='password', required=True, autocomplete='new-password', help='At least 8 characters.', prefix='pw')}
    ${f.field(password, 'confirm', 'New password again', type='password', required=True, autocomplete='new-password', prefix='pw')}
    <button type="submit" class="btn btn-primary btn-sm">Change password</button>
  </form>
  % endif
</section>
<section aria-labelledby="api-key-title" id="api-key">
  <h2 id="api-key-title" class="h4">API key</h2>
  <p>API clients sign their token requests with your API key and secret.</p>
  % if new_secret:
  <div class="alert alert-warning" role="alert">
    <p>Your new API secret (shown only now; store it somewhere safe):</p>
    <p class="portal-secret" id="api-secret">${new_secret}</p>
    <button type="button" class="btn btn-secondary btn-sm" data-copy="api-secret">Copy secret</button>
  </div>
  % endif
  % if api_key:
  <p>API key: <code id="api-key-value">${api_key}</code></p>
  <form method="post" action="${request.route_path('profile.api_key')}" class="d-inline">
    ${f.csrf()}
    <input type="hidden" name="action" value="create">
    <button type="submit" class="btn btn-secondary btn-sm" data-confirm="Rotate the API key? The old key and secret stop working.">Rotate key and secret</button>
  </form>
  <form method="post" action="${request.route_path('profile.api_key')}" class="d-inline">
    ${f.csrf()}
    <input type="hidden" name="action" value="delete">
    <button type="submit" class="btn btn-outline-danger btn-sm" data-confirm="Delete the API key? Clients using it stop working.">Delete key</button>
  </form>
  % else:
  <p>You have no API key.</p>
  <form method="post" action="${request.route_path('profile.api_key')}">
    ${f.csrf()}
    <input type="hidden" name="action" value="create">
    <button type="submit" class="btn btn-secondary btn-sm">Create API key</button>
  </form>
  % endif
</section>
