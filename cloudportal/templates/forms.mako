## Form pieces every page uses: the CSRF token, a labelled field with its error beside it.
<%def name="csrf()"><input type="hidden" name="csrf_token" value="${csrf_token}"></%def>

<%def name="form_message(form)">
% if form is not None and form.message:
<div class="alert alert-danger" role="alert">${form.message}</div>
% endif
</%def>

<%def name="field(form, name, label, type='text', required=False, help=None, autocomplete=None, prefix='')">
<%
fid = (prefix or 'f') + '-' + name
err = form.errors.get(name) if form is not None else None
described = ' '.join(x for x in ((fid + '-help') if help else '', (fid + '-error') if err else '') if x)
%>
<div class="form-group">
  <label for="${fid}">${label}</label>
  <input id="${fid}" name="${name}" type="${type}"
         class="form-control${' is-invalid' if err else ''}"
         % if type != 'password' and form is not None:
         value="${form.value(name)}"
         % endif
         % if required:
         required
         % endif
         % if autocomplete:
         autocomplete="${autocomplete}"
         % endif
         % if described:
         aria-describedby="${described}"
         % endif
         % if err:
         aria-invalid="true"
         % endif
  >
  % if help:
  <small id="${fid}-help" class="form-text text-muted">${help}</small>
  % endif
  % if err:
  <div id="${fid}-error" class="invalid-feedback">${err}</div>
  % endif
</div>
</%def>
