<%inherit file="/layout.mako"/>
<%namespace name="f" file="/forms.mako"/>
<%def name="title()">Log in</%def>
<% ldap = settings.registration.driver == 'ldap' %>
<div class="portal-card">
<h1>Log in to ${site.title}</h1>
% if site.login_help_message:
<p class="portal-login-help">${site.login_help_message}</p>
% endif
${f.form_message(form)}
<form method="post" action="${request.route_path('login')}" novalidate>
  ${f.csrf()}
  <input type="hidden" name="next" value="${next}">
  % if ldap:
  ${f.field(form, 'login', 'Username', required=True, autocomplete='username', help='Your site (LDAP) username. Your account is set up at your first login.')}
  % else:
  ${f.field(form, 'login', 'Email or username', required=True, autocomplete='username')}
  % endif
  ${f.field(form, 'password', 'Password', type='password', required=True, autocomplete='current-password')}
  <button type="submit" class="btn btn-primary">Log in</button>
</form>
<ul class="list-unstyled mt-3 portal-login-links">
  <li><a href="${request.route_path('password_forgot')}">Forgot your password?</a></li>
  % if not ldap:
  <li>No account yet? <a href="${request.route_path('register')}">Register</a></li>
  % endif
</ul>
% if settings.auth_sso:
<p class="portal-sso-choice">Or <a href="${request.route_path('sso.login')}">log in with your
  organization's account (single sign-on)</a>.</p>
% endif
</div>
