<%inherit file="/layout.mako"/>
<%namespace name="f" file="/forms.mako"/>
<%def name="title()">${user.get('email')}</%def>
<h1>${user.get('name') or user.get('email')}</h1>
<p>${user.get('email')} · ${'Active' if user.get('active') else 'Deactivated'}</p>
<form method="post" action="${request.route_path('users.active', user=user['id'])}" class="mb-3">
  ${f.csrf()}
  % if user.get('active'):
  <input type="hidden" name="active" value="0">
  <button type="submit" class="btn btn-outline-danger btn-sm" data-confirm="Deactivate ${user.get('email')}? They are signed out everywhere.">Deactivate</button>
  % else:
  <input type="hidden" name="active" value="1">
  <button type="submit" class="btn btn-secondary btn-sm">Activate</button>
  % endif
</form>
% if me.is_superuser:
<%
    is_owner = 'account_owner' in (user.get('roles') or [])
%>
<h2 class="h4">Role</h2>
<p>${'Account owner: may create and manage their own users.' if is_owner else 'Ordinary user: no role.'}</p>
<form method="post" action="${request.route_path('users.role', user=user['id'])}" class="mb-3">
  ${f.csrf()}
  <input type="hidden" name="account_owner" value="${'0' if is_owner else '1'}">
  <button type="submit" class="btn btn-outline-secondary btn-sm">${'Make an ordinary user' if is_owner else 'Make an account owner'}</button>
</form>
% endif
<h2 class="h4">System accounts</h2>
% if user.get('system_accounts'):
<ul>
% for a in user.get('system_accounts'):
  <li>${a.get('username')} on ${(settings.controller(a.get('cloud_controller_id')).name if settings.controller(a.get('cloud_controller_id')) else 'controller %s' % a.get('cloud_controller_id'))}</li>
% endfor
</ul>
% else:
<p>None yet.</p>
% endif
<h2 class="h4">Login nodes</h2>
% for outcome in outcomes:
<h3 class="h5">${outcome.controller.name}</h3>
% if not outcome.ok:
<div class="alert alert-warning" role="alert">${outcome.error}</div>
% elif not outcome.value:
<p>No login nodes.</p>
% else:
<ul>
% for n in outcome.value:
  <li>${n.get('hostname', n['id'])} · ${labels.get(n.get('status'), n.get('status'))} · ${n.get('public-ip', '')}</li>
% endfor
</ul>
% endif
% endfor
<h2 class="h4">Reset password</h2>
${f.form_message(password)}
<form method="post" action="${request.route_path('users.password', user=user['id'])}" novalidate>
  ${f.csrf()}
  ${f.field(password, 'password', 'New password', type='password', required=True, autocomplete='new-password')}
  ${f.field(password, 'confirm', 'New password again', type='password', required=True, autocomplete='new-password')}
  <button type="submit" class="btn btn-primary btn-sm">Reset password</button>
</form>
<p class="mt-3"><a href="${request.route_path('users')}">Back to Manage My Users</a></p>
