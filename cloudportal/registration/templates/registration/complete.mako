<%inherit file="/layout.mako"/>
<%namespace name="f" file="/forms.mako"/>
<%def name="title()">Finish registering</%def>
<div class="portal-card">
<h1>Finish registering</h1>
<p>Your address <strong>${email}</strong> is confirmed. Choose the name shown to others and your password; you log in with the address and the password.</p>
${f.form_message(form)}
<form method="post" action="${request.route_path('register.complete', token=token)}" novalidate>
  ${f.csrf()}
  ${f.field(form, 'name', 'Your name', required=True, autocomplete='name')}
  ${f.field(form, 'password', 'Password', type='password', required=True, autocomplete='new-password', help='At least 8 characters.')}
  ${f.field(form, 'confirm', 'Password again', type='password', required=True, autocomplete='new-password')}
  <button type="submit" class="btn btn-primary">Create my account</button>
</form>
</div>
