<%inherit file="/layout.mako"/>
<%namespace name="f" file="/forms.mako"/>
<%def name="title()">Manage My Users</%def>
<h1>Manage My Users</h1>
% if users:
<table class="table">
  <caption class="sr-only">Your managed users</caption>
  <thead><tr><th scope="col">Email</th><th scope="col">Name</th><th scope="col">Status</th><th scope="col">System accounts</th></tr></thead>
  <tbody>
  % for u in users:
  <tr>
    <td><a href="${request.route_path('users.item', user=u['id'])}">${u.get('email')}</a></td>
    <td>${u.get('name', '')}</td>
    <td>${'Active' if u.get('active') else 'Deactivated'}</td>
    <td>${', '.join(a.get('username', '') for a in u.get('system_accounts', [])) or '—'}</td>
  </tr>
  % endfor
  </tbody>
</table>
% else:
<p>You manage no users yet.</p>
% endif
<h2 class="h4">Create a user</h2>
${f.form_message(form)}
<form method="post" action="${request.route_path('users')}" novalidate>
  ${f.csrf()}
  ${f.field(form, 'name', 'Name', autocomplete='off')}
  ${f.field(form, 'email', 'Email', type='email', required=True, autocomplete='off')}
  ${f.field(form, 'password', 'Initial password', type='password', required=True, autocomplete='new-password', help='At least 8 characters; tell the user to change it.')}
  <button type="submit" class="btn btn-primary btn-sm">Create user</button>
</form>
