<%inherit file="/layout.mako"/>
<%namespace name="f" file="/forms.mako"/>
<%def name="title()">Cloud Controllers · Administration</%def>
<h1>Cloud Controllers</h1>
<p>Cloud Auth's registry of cloud controllers: the ids that system accounts and usage name. The portal reaches a controller through its <span class="text-monospace">cloudcon.&lt;id&gt;.*</span> block in cloudportal.ini.</p>
% if controllers:
<table class="table table-sm">
  <caption class="sr-only">Registered cloud controllers</caption>
  <thead><tr><th scope="col">Id</th><th scope="col">Name and description</th><th scope="col">In this portal</th></tr></thead>
  <tbody>
  % for cc in controllers:
  <%
      editing = edit is not None and edit[0] == cc['id']
      eform = edit[1] if editing else None
  %>
  <tr>
    <td>${cc['id']}</td>
    <td>
      % if editing:
      ${f.form_message(eform)}
      % endif
      <form method="post" action="${request.route_path('admin.controller', cc_id=cc['id'])}" novalidate>
        ${f.csrf()}
        <%
            name_err = eform.errors.get('name') if editing else None
            desc_err = eform.errors.get('description') if editing else None
        %>
        <label for="cc-${cc['id']}-name" class="sr-only">Name of controller ${cc['id']}</label>
        <input id="cc-${cc['id']}-name" name="name" class="form-control form-control-sm mb-1${' is-invalid' if name_err else ''}" value="${eform.value('name') if editing else cc['name']}" maxlength="255">
        % if name_err:
        <div class="invalid-feedback d-block">${name_err}</div>
        % endif
        <label for="cc-${cc['id']}-description" class="sr-only">Description of controller ${cc['id']}</label>
        <input id="cc-${cc['id']}-description" name="description" class="form-control form-control-sm mb-1${' is-invalid' if desc_err else ''}" value="${eform.value('description') if editing else cc.get('description', '')}" maxlength="1024">
        % if desc_err:
        <div class="invalid-feedback d-block">${desc_err}</div>
        % endif
        <button type="submit" class="btn btn-outline-secondary btn-sm">Save</button>
      </form>
    </td>
    <td>${'Yes' if cc['id'] in configured else 'Not configured'}</td>
  </tr>
  % endfor
  </tbody>
</table>
% else:
<p>No cloud controller is registered yet.</p>
% endif
<h2 class="h4">Register a cloud controller</h2>
${f.form_message(form)}
<form method="post" action="${request.route_path('admin.controllers')}" novalidate>
  ${f.csrf()}
  ${f.field(form, 'id', 'Id', autocomplete='off', help='Leave empty for the next free id; give the one in the controller\'s cloud_controller_id setting.', prefix='new')}
  ${f.field(form, 'name', 'Name', required=True, autocomplete='off', prefix='new')}
  ${f.field(form, 'description', 'Description', autocomplete='off', prefix='new')}
  <button type="submit" class="btn btn-primary btn-sm">Register</button>
</form>
