<%inherit file="/layout.mako"/>
<%def name="title()">Manage Whitelist</%def>
<h1>Manage Whitelist</h1>
% if enforced:
<p>Only the addresses and domains listed here may register, and a directory (LDAP) user whose address is not listed cannot complete a first login.</p>
% else:
<div class="alert alert-info" role="status">The list is kept but not applied: <strong>registration.type</strong> is not <strong>whitelist</strong> in cloudportal.ini, so anyone may register.</div>
% endif

<h2 class="h4">Add entries</h2>
% if errors:
<div class="alert alert-danger" role="alert" id="whitelist-errors">
  <p class="mb-1">Nothing was added. Fix ${'this line' if len(errors) == 1 else 'these lines'} and send the list again:</p>
  <ul class="mb-0">
  % for number, line, message in errors:
    <li>${f"Line {number}: " if number else ""}${message}</li>
  % endfor
  </ul>
</div>
% endif
<form method="post" action="${request.route_path('admin.whitelist')}" novalidate>
  ${csrf_input}
  <div class="form-group">
    <label for="f-entries">Addresses or domains, one per line</label>
    <textarea id="f-entries" name="entries" rows="5" class="form-control${' is-invalid' if errors else ''}" aria-describedby="f-entries-help${' whitelist-errors' if errors else ''}">${text}</textarea>
    <small id="f-entries-help" class="form-text text-muted">An address (“ann@example.edu”) lets that address register; a domain (“@example.edu”) lets every address at exactly that domain register (not its subdomains).</small>
  </div>
  <button type="submit" class="btn btn-primary btn-sm">Add to the whitelist</button>
</form>

<h2 class="h4 mt-4">On the list (${listing.total})</h2>
<form method="get" action="${request.route_path('admin.whitelist')}" class="form-inline mb-2" role="search">
  <label for="f-q" class="mr-2">Search</label>
  <input id="f-q" name="q" type="search" value="${search}" class="form-control form-control-sm mr-2" placeholder="part of an address or domain">
  <button type="submit" class="btn btn-outline-secondary btn-sm">Search</button>
  % if search:
  <a class="ml-2" href="${request.route_path('admin.whitelist')}">Show all</a>
  % endif
</form>
% if listing.entries:
<form method="post" action="${request.route_path('admin.whitelist_remove')}">
  ${csrf_input}
  <input type="hidden" name="q" value="${search}">
  <table class="table table-sm">
    <caption class="sr-only">Whitelist entries</caption>
    <thead><tr><th scope="col">Remove</th><th scope="col">Entry</th><th scope="col">Kind</th><th scope="col">Added by</th><th scope="col">Added (UTC)</th></tr></thead>
    <tbody>
    % for e in listing.entries:
    <tr>
      <td><input type="checkbox" name="entry" value="${e.id}" id="wl-${e.id}" aria-label="Remove ${e.entry}"></td>
      <td><label for="wl-${e.id}" class="mb-0">${e.entry}</label></td>
      <td>${'Domain' if e.entry.startswith('@') else 'Address'}</td>
      <td>${e.added_by}</td>
      <td>${e.added_at.strftime('%Y-%m-%d %H:%M')}</td>
    </tr>
    % endfor
    </tbody>
  </table>
  <button type="submit" class="btn btn-outline-danger btn-sm">Remove the checked entries</button>
</form>
% if listing.pages > 1:
<nav aria-label="Whitelist pages" class="mt-3">
  <ul class="pagination pagination-sm">
  % for n in range(1, listing.pages + 1):
    % if n == listing.page:
    <li class="page-item active" aria-current="page"><span class="page-link">${n}</span></li>
    % elif n <= 3 or n > listing.pages - 3 or abs(n - listing.page) <= 2:
    <li class="page-item"><a class="page-link" href="${request.route_path('admin.whitelist', _query={'q': search, 'page': n} if search else {'page': n})}">${n}</a></li>
    % elif n == 4 or n == listing.pages - 3:
    <li class="page-item disabled"><span class="page-link">…</span></li>
    % endif
  % endfor
  </ul>
</nav>
% endif
% elif search:
<p>No entry contains “${search}”.</p>
% else:
<p>The list is empty.</p>
% endif
