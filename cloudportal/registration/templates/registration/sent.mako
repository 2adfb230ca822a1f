<%inherit file="/layout.mako"/>
<%namespace name="f" file="/forms.mako"/>
<%def name="title()">Check your mail</%def>
<%
hours = int(round(lifetime / 3600))
span = f"{hours} hour{'s' if hours != 1 else ''}" if lifetime >= 3600 else f"{int(round(lifetime / 60))} minutes"
%>
<div class="portal-card">
<h1>Check your mail</h1>
<div class="alert alert-success" role="status">
  A message is on its way to <strong>${email}</strong> if that address can receive it.
</div>
% if purpose == 'register':
<p>Open the link in it within ${span} to choose your name and password. The link works once.</p>
% else:
<p>If the address belongs to an account whose password this portal keeps, the message holds a link to choose a new password; open it within ${span}. The link works once. Otherwise it tells you where your password is kept.</p>
% endif
<p>Nothing after a few minutes? Look in your spam folder, check the address, or send it again:</p>
<form method="post" action="${request.route_path('register' if purpose == 'register' else 'password_forgot')}">
  ${f.csrf()}
  <input type="hidden" name="email" value="${email}">
  <button type="submit" class="btn btn-outline-secondary btn-sm">Send it again</button>
</form>
<p class="mt-3"><a href="${request.route_path('login')}">Back to log in</a></p>
</div>
