<%inherit file="/layout.mako"/>
<%namespace name="f" file="/forms.mako"/>
<%namespace name="l" file="/admin/_list.mako"/>
<%def name="title()">Manage My Users</%def>
<h1>Manage My Users</h1>
% if role_choices:
<p class="text-muted">As the superuser you see every user. Make someone an <strong>account owner</strong> to let them create and manage their own users.</p>
% endif
% if query:
${l.search('users', query, 'Find by email, name or login')}
% endif
% if users:
<table class="table">
  <caption class="sr-only">${'Users, sorted by %s' % columns[query.sort] if query else 'Your managed users'}</caption>
  <thead><tr>
  % if query:
    % for column, label in columns.items():
    ${l.heading('users', query, column, label)}
    % endfor
  % else:
  <th scope="col">Email</th><th scope="col">Name</th><th scope="col">Status</th>
  % endif
  % if role_choices:
  <th scope="col">Role</th>
  % endif
  <th scope="col">System accounts</th></tr></thead>
  <tbody>
  % for u in users:
  <tr>
    <td><a href="${request.route_path('users.item', user=u['id'])}">${u.get('email')}</a></td>
    <td>${u.get('name', '')}</td>
    <td>${'Active' if u.get('active') else 'Deactivated'}</td>
    % if role_choices:
    <td>${', '.join(r.replace('_', ' ').capitalize() for r in u.get('roles', [])) or 'User'}</td>
    % endif
    <td>${', '.join(a.get('username', '') for a in u.get('system_accounts', [])) or '—'}</td>
  </tr>
  % endfor
  </tbody>
</table>
  % if query:
${l.pager('users', query, total)}
  % endif
% elif query and query.search:
<p>No user matches “${query.search}”.</p>
% else:
<p>You manage no users yet.</p>
% endif
<h2 class="h4 mt-4">Create a user</h2>
${f.form_message(form)}
<form method="post" action="${request.route_path('users')}" novalidate>
  ${f.csrf()}
  ${f.field(form, 'name', 'Name', autocomplete='off')}
  ${f.field(form, 'email', 'Email', type='email', required=True, autocomplete='off')}
  ${f.field(form, 'password', 'Initial password', type='password', required=True, autocomplete='new-password', help='At least 8 characters; tell the user to change it.')}
  % if role_choices:
  <fieldset class="form-group">
    <legend class="col-form-label pt-0">Role</legend>
    % for value, label in role_choices.items():
    <div class="form-check">
      <input class="form-check-input${' is-invalid' if form.errors.get('role') else ''}" type="radio" name="role" id="f-role-${value or 'none'}" value="${value}"
        % if form.value('role') == value:
        checked
        % endif
      >
      <label class="form-check-label" for="f-role-${value or 'none'}">${label}</label>
    </div>
    % endfor
    % if form.errors.get('role'):
    <div class="invalid-feedback d-block" role="alert">${form.errors['role']}</div>
    % endif
  </fieldset>
  % endif
  <button type="submit" class="btn btn-primary btn-sm">Create user</button>
</form>
