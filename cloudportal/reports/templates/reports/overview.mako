<%inherit file="/layout.mako"/>
<%namespace name="r" file="/reports/_controls.mako"/>
<%def name="title()">Usage and Reports</%def>
<h1>Usage and Reports</h1>
${r.nav('overview')}
${r.controls(request.route_path('reports'))}
${r.as_of()}
% if me.is_account_owner:
<p><a class="btn btn-outline-secondary btn-sm" href="${request.route_path('reports.statement')}">Monthly statement (printable)</a></p>
% endif
<table class="table portal-report-table">
  <caption>Usage from ${choice.start.isoformat()} to ${choice.end.isoformat()}</caption>
  <thead><tr><th scope="col">Resource</th><th scope="col">Usage</th></tr></thead>
  <tbody>
  % for slug, fam in families.items():
  <% metrics, figures = totals[slug] %>
  <tr>
    <th scope="row"><a href="${request.route_path('reports.family', family=slug, _query=choice.query())}">${fam.title}</a></th>
    <td>
      % for m in metrics:
      <span class="mr-3">${r.number(figures[m['name']])} ${m['unit']}</span>
      % endfor
    </td>
  </tr>
  % endfor
  </tbody>
</table>
