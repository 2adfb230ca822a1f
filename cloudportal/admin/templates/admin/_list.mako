## Pieces of the superuser's list pages: the search form, sortable headings, the pager.
<%def name="search(route, query, label, hidden=None)">
<form method="get" action="${request.route_path(route)}" class="form-inline mb-3" role="search">
  % for name, value in (hidden or {}).items():
  <input type="hidden" name="${name}" value="${value}">
  % endfor
  <input type="hidden" name="sort" value="${query.sort}">
  <input type="hidden" name="order" value="${'desc' if query.descending else 'asc'}">
  <label for="list-q" class="mr-2">${label}</label>
  <input id="list-q" name="q" type="search" class="form-control form-control-sm mr-2${' is-invalid' if query.problem else ''}" value="${query.search}" maxlength="64">
  <button type="submit" class="btn btn-primary btn-sm">Search</button>
  % if query.search:
  <a class="btn btn-link btn-sm" href="${request.route_path(route, _query=dict(hidden or {}))}">Show all</a>
  % endif
</form>
% if query.problem:
<div class="alert alert-danger" role="alert">${query.problem}</div>
% endif
</%def>

<%def name="heading(route, query, column, label, hidden=None)">
<%
    active = query.sort == column
    arrow = ('▼' if query.descending else '▲') if active else ''
    params = dict(hidden or {}, **query.sort_params(column))
    state = ('descending' if query.descending else 'ascending') if active else 'none'
%>
<th scope="col" aria-sort="${state}"><a href="${request.route_path(route, _query=params)}">${label}</a> <span aria-hidden="true">${arrow}</span></th>
</%def>

<%def name="pager(route, query, total, hidden=None)">
<% pages = query.pages(total) %>
<nav aria-label="Pages" class="d-flex align-items-center">
  <span class="mr-3">${total} found · page ${query.page} of ${pages}</span>
  <ul class="pagination pagination-sm mb-0">
    % if query.page > 1:
    <li class="page-item"><a class="page-link" href="${request.route_path(route, _query=dict(hidden or {}, **query.params(page=1)))}">First</a></li>
    <li class="page-item"><a class="page-link" rel="prev" href="${request.route_path(route, _query=dict(hidden or {}, **query.params(page=query.page - 1)))}">Previous</a></li>
    % endif
    % if query.page < pages:
    <li class="page-item"><a class="page-link" rel="next" href="${request.route_path(route, _query=dict(hidden or {}, **query.params(page=query.page + 1)))}">Next</a></li>
    <li class="page-item"><a class="page-link" href="${request.route_path(route, _query=dict(hidden or {}, **query.params(page=pages)))}">Last</a></li>
    % endif
  </ul>
</nav>
</%def>
