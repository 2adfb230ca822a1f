## The range, granularity, grouping and whose usage; a GET form, so every page is a link.
<%def name="nav(current)">
<ul class="nav nav-tabs portal-report-tabs">
  <li class="nav-item"><a class="nav-link${' active' if current == 'overview' else ''}" href="${request.route_path('reports', _query=choice.query())}">Overview</a></li>
  % for slug, fam in families.items():
  <li class="nav-item"><a class="nav-link${' active' if current == slug else ''}" href="${request.route_path('reports.family', family=slug, _query=choice.query())}">${fam.title}</a></li>
  % endfor
  <li class="nav-item"><a class="nav-link${' active' if current == 'jobs-detail' else ''}" href="${request.route_path('reports.jobs', _query=choice.query())}">Job detail</a></li>
</ul>
</%def>

<%def name="controls(action, groupings=())">
<form method="get" action="${action}" class="form-inline portal-report-controls" aria-label="Report options">
  <label class="mr-1" for="r-preset">Range</label>
  <select id="r-preset" name="preset" class="form-control form-control-sm mr-2">
    % for key, text in presets.items():
    <option value="${key}"${' selected' if key == choice.preset else ''}>${text}</option>
    % endfor
  </select>
  <label class="mr-1" for="r-start">From</label>
  <input id="r-start" name="start" type="date" class="form-control form-control-sm mr-2" value="${choice.start.isoformat()}">
  <label class="mr-1" for="r-end">to</label>
  <input id="r-end" name="end" type="date" class="form-control form-control-sm mr-2" value="${choice.end.isoformat()}">
  % if groupings:
  <label class="mr-1" for="r-granularity">By</label>
  <select id="r-granularity" name="granularity" class="form-control form-control-sm mr-2">
    % for g in granularities:
    <option value="${g}"${' selected' if g == choice.granularity else ''}>${g}</option>
    % endfor
  </select>
  <label class="mr-1" for="r-group">Stacked by</label>
  <select id="r-group" name="group" class="form-control form-control-sm mr-2">
    <option value="">nothing</option>
    % for g in groupings:
    <option value="${g}"${' selected' if g == choice.group else ''}>${group_labels[g]}</option>
    % endfor
  </select>
  % endif
  % if me.is_account_owner:
  <label class="mr-1" for="r-user">User</label>
  <select id="r-user" name="user" class="form-control form-control-sm mr-2">
    <option value="">${'the whole site' if me.is_superuser and not choice.owner else 'all my users and me'}</option>
    % for userid, email in people:
    <option value="${userid}"${' selected' if userid == choice.user else ''}>${email}</option>
    % endfor
  </select>
  % endif
  % if me.is_superuser:
  <label class="mr-1" for="r-owner">Account owner id</label>
  <input id="r-owner" name="owner" class="form-control form-control-sm mr-2" size="34" value="${choice.owner}">
  % endif
  <button type="submit" class="btn btn-primary btn-sm">Show</button>
</form>
<p class="text-muted small">A custom From/To applies when the range is "Custom range". Days are the accountant's calendar days.</p>
</%def>

<%def name="as_of()">
<p class="text-muted small" role="status">
% if imported:
Figures as of ${imported.replace('T', ' ')[:16]} UTC (the accountant's last import over this range; page made ${as_of_time.strftime('%Y-%m-%d %H:%M')} UTC). Usage since then is not counted yet.
% elif not provenance_known:
Page made ${as_of_time.strftime('%Y-%m-%d %H:%M')} UTC; the import runs behind these jobs are on the Cluster jobs page.
% else:
No import run is recorded over this range (page made ${as_of_time.strftime('%Y-%m-%d %H:%M')} UTC): the figures may be incomplete.
% endif
</p>
% if runs:
<details class="portal-report-runs"><summary>Import runs behind these figures</summary>
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
</details>
% endif
</%def>

## Two decimals; four for a figure that would print as 0.00 though it is not zero (a node that
## ran a minute), so the table never says nothing where the chart draws a bar.
<%def name="number(value)">${('{:,.4f}' if 0 < abs(value) < 0.005 else '{:,.2f}').format(value) if isinstance(value, float) else ('{:,}'.format(value) if isinstance(value, int) else value)}</%def>
