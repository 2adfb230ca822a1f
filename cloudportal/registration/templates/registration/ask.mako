<%inherit file="/layout.mako"/>
<%namespace name="f" file="/forms.mako"/>
<% register = purpose == 'register' %>
<%def name="title()">${'Register' if purpose == 'register' else 'Forgot your password?'}</%def>
<div class="portal-card">
% if register:
<h1>Register for ${site.title}</h1>
<p>Give your email address. We mail you a link; open it to choose your name and password.</p>
% else:
<h1>Forgot your password?</h1>
<p>Give the email address of your account. We mail you a link to choose a new password.</p>
<p class="text-muted small">If you log in with your site's own account (LDAP or single sign-on), change its password with your site's password service instead.</p>
% endif
${f.form_message(form)}
<form method="post" action="${request.route_path('register' if register else 'password_forgot')}" novalidate>
  ${f.csrf()}
  ${f.field(form, 'email', 'Email address', type='email', required=True, autocomplete='email')}
  <button type="submit" class="btn btn-primary">${'Send me a link' if register else 'Send me a reset link'}</button>
</form>
<p class="mt-3"><a href="${request.route_path('login')}">Back to log in</a></p>
</div>
