<%inherit file="/layout.mako"/>
<%namespace name="r" file="/reports/_controls.mako"/>
<%def name="title()">${family.title} · Usage and Reports</%def>
<h1>${family.title}</h1>
${r.nav(family.slug)}
${r.controls(request.route_path('reports.family', family=family.slug), family.groupings)}
${r.as_of()}
% if chart:
<figure class="portal-report-chart">
  <img src="${chart}" alt="${chart_metric['label']} per ${choice.granularity}${(', stacked by ' + group_labels[choice.group].lower()) if choice.group else ''}: the figures are in the table below">
</figure>
% else:
<p>No usage in this range.</p>
% endif
<p><a class="btn btn-outline-secondary btn-sm" href="${request.route_path('reports.family_csv', family=family.slug, _query=choice.query())}">Download CSV</a>
% if family.slug == 'jobs':
<a class="btn btn-outline-secondary btn-sm" href="${request.route_path('reports.jobs', _query=choice.query())}">Job detail</a>
% endif
</p>
<div class="table-responsive" tabindex="0" role="region" aria-label="${family.title} table">
<table class="table table-sm portal-report-table">
  <caption>${family.title} from ${choice.start.isoformat()} to ${choice.end.isoformat()}, per ${choice.granularity}</caption>
  <thead><tr>
    % for h in table.header:
    <th scope="col">${h}</th>
    % endfor
  </tr></thead>
  <tbody>
  % for row in table.rows:
  <tr>
    % for value in row:
    <td>${r.number(value)}</td>
    % endfor
  </tr>
  % endfor
  </tbody>
  <tfoot><tr class="portal-report-total">
    % for value in table.totals:
    <th scope="${'row' if loop.first else 'col'}">${r.number(value)}</th>
    % endfor
  </tr></tfoot>
</table>
</div>
