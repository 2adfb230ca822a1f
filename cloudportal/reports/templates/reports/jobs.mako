<%inherit file="/layout.mako"/>
<%namespace name="r" file="/reports/_controls.mako"/>
<%def name="title()">Job detail · Usage and Reports</%def>
<h1>Job detail</h1>
${r.nav('jobs-detail')}
${r.controls(request.route_path('reports.jobs'))}
${r.as_of()}
<p><a class="btn btn-outline-secondary btn-sm" href="${request.route_path('reports.jobs_csv', _query=choice.query())}">Download CSV of every job</a></p>
% if jobs:
<div class="table-responsive" tabindex="0" role="region" aria-label="Job detail table">
<table class="table table-sm portal-report-table">
  <caption>Jobs that ended from ${choice.start.isoformat()} to ${choice.end.isoformat()}, by end time (UTC)</caption>
  <thead><tr>
    <th scope="col">Job</th><th scope="col">Name</th><th scope="col">User</th><th scope="col">Cluster</th>
    <th scope="col">Queue</th><th scope="col">Account</th><th scope="col">Started</th><th scope="col">Ended</th>
    <th scope="col">Cores</th><th scope="col">GPUs</th><th scope="col">State</th><th scope="col">Core-hours</th>
  </tr></thead>
  <tbody>
  % for j in jobs:
  <tr>
    <td>${j['job_id']}${('_' + str(j['array_index'])) if j['array_index'] >= 0 else ''}</td>
    <td>${j['name']}</td>
    <td>${label('user', j['cloud_auth_userid']) if j['cloud_auth_userid'] else j['system_username']}</td>
    <td>${j['cluster']}</td><td>${j['queue']}</td><td>${j['account']}</td>
    <td>${j['started_at'].replace('T', ' ')}</td><td>${j['ended_at'].replace('T', ' ')}</td>
    <td>${j['cores']}</td><td>${j['gpus']}</td><td>${j['state']}</td>
    <td>${r.number(j['core_hours'])}</td>
  </tr>
  % endfor
  </tbody>
</table>
</div>
% if next:
<p><a class="btn btn-outline-primary btn-sm" href="${request.route_path('reports.jobs', _query=dict(choice.query(), after=next))}">Next page</a></p>
% endif
% else:
<p>No jobs ended in this range.</p>
% endif
