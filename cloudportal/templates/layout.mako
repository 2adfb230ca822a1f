## The page frame: top bar, sidebar (seed 1.8's screen), messages. Every page inherits it.
## A site overrides any template by putting a file of the same name in site.templates.
<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>${self.title()} · ${site.title}</title>
  <link rel="stylesheet" href="${bootstrap('css/bootstrap.min.css')}">
  <link rel="stylesheet" href="${request.static_path('cloudportal:static/portal.css')}">
  <script src="${request.static_path('cloudportal:static/portal.js')}" defer></script>
</head>
<body>
<a class="sr-only sr-only-focusable" href="#main">Skip to content</a>
<header class="navbar navbar-dark bg-dark portal-topbar">
  <a class="navbar-brand" href="${request.route_path('home')}">
    % if site.logo:
    <img src="${request.route_path('site_logo')}" alt="" class="portal-logo">
    % endif
    ${site.title}
  </a>
  % if me:
  <div class="portal-user">
    <span class="text-light mr-2">${me.email}</span>
    <form method="post" action="${request.route_path('logout')}" class="d-inline">
      <input type="hidden" name="csrf_token" value="${csrf_token}">
      <button type="submit" class="btn btn-outline-light btn-sm">${'Leave admin' if request.session.get('sso_return') else 'Log out'}</button>
    </form>
  </div>
  % endif
</header>
<%
    real = request.session.get('masquerade') if me else None
%>
% if real:
<div class="portal-masquerade alert alert-warning mb-0 rounded-0 d-flex flex-wrap align-items-center" role="status">
  <span class="mr-3">You (<strong>${real.get('email')}</strong>) are viewing the portal as <strong>${me.email}</strong>. Every change is recorded under both names.</span>
  <form method="post" action="${request.route_path('admin.masquerade_end')}" class="d-inline">
    <input type="hidden" name="csrf_token" value="${csrf_token}">
    <button type="submit" class="btn btn-dark btn-sm">Stop viewing as ${me.email}</button>
  </form>
</div>
% endif
<div class="container-fluid">
  <div class="row">
    % if me and not me.must_change_password:
    <nav class="col-md-3 col-lg-2 portal-sidebar" aria-label="Portal menu">
      <h2 class="portal-menu-heading">Account Menu</h2>
      <ul class="nav flex-column">
        <li class="nav-item"><a class="nav-link" href="${request.route_path('accounts')}">Manage My Accounts &amp; Groups</a></li>
        <li class="nav-item"><a class="nav-link" href="${request.route_path('nodes')}">Manage My Login Nodes</a></li>
        % if me.is_account_owner:
        <li class="nav-item"><a class="nav-link" href="${request.route_path('users')}">Manage My Users</a></li>
        % endif
        % if settings.accountant:
        <li class="nav-item"><a class="nav-link" href="${request.route_path('reports')}">Usage and Reports</a></li>
        % endif
        <li class="nav-item"><a class="nav-link" href="${request.route_path('profile')}">My Profile</a></li>
        % if settings.auth_sso and request.session.get('sso_admin') and not request.session.get('sso_return') and not request.session.get('masquerade'):
        <li class="nav-item">
          <form method="post" action="${request.route_path('sso.admin')}">${csrf_input}
            <button type="submit" class="btn btn-link nav-link portal-sso-admin">Log in as admin</button>
          </form>
        </li>
        % endif
      </ul>
      % if me.is_superuser:
      <h2 class="portal-menu-heading">Administration</h2>
      <ul class="nav flex-column">
        <li class="nav-item"><a class="nav-link" href="${request.route_path('admin.users')}">Users</a></li>
        <li class="nav-item"><a class="nav-link" href="${request.route_path('admin.nodes')}">All Login Nodes</a></li>
        <li class="nav-item"><a class="nav-link" href="${request.route_path('admin.controllers')}">Cloud Controllers</a></li>
        <li class="nav-item"><a class="nav-link" href="${request.route_path('admin.audit')}">Audit Log</a></li>
        <li class="nav-item"><a class="nav-link" href="${request.route_path('admin.whitelist')}">Manage Whitelist</a></li>
      </ul>
      % endif
      <h2 class="portal-menu-heading">Portal Help</h2>
      <ul class="nav flex-column">
        <li class="nav-item"><a class="nav-link" href="${request.route_path('help')}">Help</a></li>
        <li class="nav-item"><a class="nav-link" href="${request.route_path('faq')}">Frequently Asked Questions</a></li>
      </ul>
      % if site.sidebar_lower:
      <div class="portal-sidebar-lower">
        ## site.sidebar_lower is HTML written by the site's operator in cloudportal.ini (seed
        ## 1.8.10), never by a user: the one place the portal renders unescaped text.
        ${site.sidebar_lower | n}
      </div>
      % endif
    </nav>
    <main id="main" class="col-md-9 col-lg-10 portal-main">
    % else:
    <main id="main" class="col-12 portal-main portal-narrow">
    % endif
      % if me and request.session.get('sso_return'):
      <div class="alert alert-warning portal-sso-return" role="status">You are acting as the
        administrator <strong>${me.email}</strong>; your own account is
        <strong>${request.session['sso_return'].get('email', '')}</strong>. Choose
        <em>Leave admin</em> to return to it.</div>
      % endif
      % for queue, css in (('error', 'danger'), ('info', 'info'), ('', 'success')):
      % for message in request.session.pop_flash(queue):
      <div class="alert alert-${css}" role="${'alert' if queue == 'error' else 'status'}">${message}</div>
      % endfor
      % endfor
      ${next.body()}
    </main>
  </div>
</div>
</body>
</html>
<%def name="title()">${site.title}</%def>
