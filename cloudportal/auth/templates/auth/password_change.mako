<%inherit file="/layout.mako"/>
<%namespace name="f" file="/forms.mako"/>
<%def name="title()">Choose a new password</%def>
<div class="portal-card">
<h1>Choose a new password</h1>
<p>Your account still has its default password. Choose your own before you continue.</p>
${f.form_message(form)}
<form method="post" action="${request.route_path('password_change')}" novalidate>
  ${f.csrf()}
  ${f.field(form, 'current_password', 'Current password', type='password', required=True, autocomplete='current-password')}
  ${f.field(form, 'password', 'New password', type='password', required=True, autocomplete='new-password', help='At least 8 characters.')}
  ${f.field(form, 'confirm', 'New password again', type='password', required=True, autocomplete='new-password')}
  <button type="submit" class="btn btn-primary">Change password</button>
</form>
</div>
