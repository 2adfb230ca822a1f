<%inherit file="/layout.mako"/>
<%namespace name="l" file="/admin/_list.mako"/>
<%def name="title()">Users · Administration</%def>
<h1>Users</h1>
<p class="text-muted">Every user of this site. Open one to activate or deactivate it, change its roles, set its password or API key, or view the portal as that user.</p>
${l.search('admin.users', query, 'Find by email, name or login')}
% if page.rows:
<table class="table table-sm">
  <caption class="sr-only">Users, sorted by ${columns[query.sort]}</caption>
  <thead><tr>
  % for column, label in columns.items():
    ${l.heading('admin.users', query, column, label)}
  % endfor
  <th scope="col">Roles</th>
  </tr></thead>
  <tbody>
  % for u in page.rows:
  <tr>
    <td><a href="${request.route_path('admin.user', user=u['id'])}">${u.get('email')}</a></td>
    <td>${u.get('name', '')}</td>
    <td>${'Active' if u.get('active') else 'Deactivated'}</td>
    <td>${u.get('registration_source', '')}</td>
    <td>${', '.join(r.replace('_', ' ') for r in u.get('roles', [])) or '—'}</td>
  </tr>
  % endfor
  </tbody>
</table>
${l.pager('admin.users', query, page.total)}
% else:
<p>No user matches${' “%s”' % query.search if query.search else ''}.</p>
% endif
