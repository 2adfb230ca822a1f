<%inherit file="/layout.mako"/>
<%namespace name="r" file="/reports/_controls.mako"/>
<%def name="title()">Statement ${first.strftime('%Y-%m')} · Usage and Reports</%def>
<%def name="cell(row, key)">${r.number(row[key]) if row else ('0' if key == 'jobs' else '0.00')}</%def>
<article class="portal-statement">
<h1>Usage statement, ${first.strftime('%B %Y')}</h1>
<p>Account owner: <strong>${owner_email}</strong>. Period: ${first.isoformat()} to ${last.isoformat()} (the accountant's calendar days).</p>
<form method="get" action="${request.route_path('reports.statement')}" class="form-inline portal-no-print" aria-label="Statement month">
  <label class="mr-1" for="s-month">Month</label>
  <input id="s-month" name="month" type="month" class="form-control form-control-sm mr-2" value="${first.strftime('%Y-%m')}">
  % if me.is_superuser:
  <label class="mr-1" for="s-owner">Account owner id</label>
  <input id="s-owner" name="owner" class="form-control form-control-sm mr-2" size="34">
  % endif
  <button type="submit" class="btn btn-primary btn-sm">Show</button>
  <span class="ml-2 text-muted small">Print this page (or save it as PDF from the print dialog) for the statement.</span>
</form>
<div class="table-responsive" tabindex="0" role="region" aria-label="Usage per user table">
<table class="table table-sm portal-report-table">
  <caption>Usage per user</caption>
  <thead><tr>
    <th scope="col">User</th>
    <th scope="col">Login nodes (server-hours)</th>
    <th scope="col">Storage (GB-days)</th><th scope="col">Storage peak (GB)</th>
    <th scope="col">User storage (GB-days)</th>
    <th scope="col">Jobs</th><th scope="col">Core-hours</th><th scope="col">GPU-hours</th>
  </tr></thead>
  <tbody>
  % for email, f in lines:
  <tr>
    <th scope="row">${email}</th>
    <td>${cell(f['login-nodes'], 'server_hours')}</td>
    <td>${cell(f['storage'], 'gb_days')}</td><td>${cell(f['storage'], 'peak_gb')}</td>
    <td>${cell(f['user-storage'], 'gb_days')}</td>
    <td>${cell(f['jobs'], 'jobs')}</td><td>${cell(f['jobs'], 'core_hours')}</td><td>${cell(f['jobs'], 'gpu_hours')}</td>
  </tr>
  % endfor
  </tbody>
  <tfoot><tr class="portal-report-total">
    <th scope="row">Total</th>
    <th>${r.number(totals['login-nodes']['server_hours'])}</th>
    <th>${r.number(totals['storage']['gb_days'])}</th><th>${r.number(totals['storage']['peak_gb'])}</th>
    <th>${r.number(totals['user-storage']['gb_days'])}</th>
    <th>${r.number(totals['jobs']['jobs'])}</th><th>${r.number(totals['jobs']['core_hours'])}</th><th>${r.number(totals['jobs']['gpu_hours'])}</th>
  </tr></tfoot>
</table>
</div>
<p class="small text-muted">Storage peak: the largest day's total. Jobs count in the month they ended; core-hours are split across days as the jobs ran. Only the report queues of each cloud controller are counted. GB: 2<sup>30</sup> bytes.</p>
<h2 class="h5">Import runs behind these figures</h2>
% if runs:
<table class="table table-sm">
  <thead><tr><th scope="col">Run</th><th scope="col">Source</th><th scope="col">Dates</th><th scope="col">Finished (UTC)</th><th scope="col">Rows written</th><th scope="col">Lines rejected</th><th scope="col">Exit status</th></tr></thead>
  <tbody>
  % for run in runs:
  <tr><td>${run['id']}</td><td>${run['source']}</td><td>${run['first_date']} – ${run['last_date']}</td>
      <td>${(run['finished_at'] or 'not finished').replace('T', ' ')}</td><td>${run['rows_written']}</td>
      <td>${run['lines_rejected']}</td><td>${'—' if run['exit_status'] is None else run['exit_status']}</td></tr>
  % endfor
  </tbody>
</table>
% else:
<p>No import run is recorded over this month: the figures may be incomplete.</p>
% endif
<p class="small text-muted">Statement made ${as_of_time.strftime('%Y-%m-%d %H:%M')} UTC.</p>
</article>
