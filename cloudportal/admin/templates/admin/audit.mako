<%inherit file="/layout.mako"/>
<%namespace name="f" file="/forms.mako"/>
<%def name="title()">Audit Log · Administration</%def>
<h1>Audit Log</h1>
<p class="text-muted">Logins, tokens and every change made through Cloud Auth, newest first. A change made while a superuser viewed the portal as someone else names both.</p>
<form method="get" action="${request.route_path('admin.audit')}" class="mb-3" novalidate>
  <div class="form-row">
    <div class="col-md-4">${f.field(form, 'who', 'Who (email or user id)', autocomplete='off', prefix='audit')}</div>
    <div class="col-md-3 form-group">
      <label for="audit-what">What</label>
      <select id="audit-what" name="what" class="form-control${' is-invalid' if form.errors.get('what') else ''}">
        % for value, label in families.items():
        <option value="${value}" ${'selected' if form.value('what') == value else ''}>${label}</option>
        % endfor
      </select>
      % if form.errors.get('what'):
      <div class="invalid-feedback">${form.errors['what']}</div>
      % endif
    </div>
    <div class="col-md-2">${f.field(form, 'since', 'From (UTC day)', type='date', prefix='audit')}</div>
    <div class="col-md-2">${f.field(form, 'until', 'To (UTC day)', type='date', prefix='audit')}</div>
  </div>
  <div class="form-check mb-2">
    <input class="form-check-input" type="checkbox" name="masquerade" value="1" id="audit-masq" ${'checked' if form.value('masquerade') == '1' else ''}>
    <label class="form-check-label" for="audit-masq">Only changes made while viewing as someone</label>
  </div>
  <button type="submit" class="btn btn-primary btn-sm">Filter</button>
  <a class="btn btn-link btn-sm" href="${request.route_path('admin.audit')}">Clear</a>
</form>
% if form.errors.get('page'):
<div class="alert alert-danger" role="alert">${form.errors['page']}</div>
% endif
% if events:
<table class="table table-sm">
  <caption class="sr-only">Audit events, newest first</caption>
  <thead><tr><th scope="col">When (UTC)</th><th scope="col">What</th><th scope="col">Who</th><th scope="col">On whom</th><th scope="col">From</th><th scope="col">Detail</th></tr></thead>
  <tbody>
  % for e in events:
  <tr>
    <td class="text-nowrap">${e['at'].replace('T', ' ')}</td>
    <td>${e['event']}</td>
    <td>
      % if e.get('masquerader_userid'):
      <strong>${names.get(e['masquerader_userid'], e['masquerader_userid'])}</strong> viewing as ${names.get(e['actor_userid'], e['actor_userid'])}
      % else:
      ${names.get(e['actor_userid'], e['actor_userid']) or '—'}
      % endif
    </td>
    <td>${names.get(e['subject_userid'], e['subject_userid']) or '—'}</td>
    <td>${e.get('client_addr', '')}</td>
    <td>${e.get('detail') or ''}</td>
  </tr>
  % endfor
  </tbody>
</table>
<nav aria-label="Pages" class="d-flex align-items-center">
  <span class="mr-3">${total} events · page ${page} of ${pages}</span>
  <ul class="pagination pagination-sm mb-0">
    % if page > 1:
    <li class="page-item"><a class="page-link" rel="prev" href="${request.route_path('admin.audit', _query=dict(query, page=str(page - 1)))}">Newer</a></li>
    % endif
    % if page < pages:
    <li class="page-item"><a class="page-link" rel="next" href="${request.route_path('admin.audit', _query=dict(query, page=str(page + 1)))}">Older</a></li>
    % endif
  </ul>
</nav>
% elif form.ok:
<p>No event matches these filters.</p>
% endif
