<%inherit file="/layout.mako"/>
<%namespace name="f" file="/forms.mako"/>
<%def name="title()">Choose a new password</%def>
<div class="portal-card">
<h1>Choose a new password</h1>
<p>Choosing it logs your account out everywhere it is signed in.</p>
${f.form_message(form)}
<form method="post" action="${request.route_path('password_reset', token=token)}" novalidate>
  ${f.csrf()}
  ${f.field(form, 'password', 'New password', type='password', required=True, autocomplete='new-password', help='At least 8 characters.')}
  ${f.field(form, 'confirm', 'New password again', type='password', required=True, autocomplete='new-password')}
  <button type="submit" class="btn btn-primary">Set my password</button>
</form>
</div>
