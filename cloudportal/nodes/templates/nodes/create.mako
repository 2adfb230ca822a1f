<%inherit file="/layout.mako"/>
<%namespace name="f" file="/forms.mako"/>
<%def name="title()">Create a Login Node</%def>
<h1>Create a Login Node on ${controller.name}</h1>
% if missing:
<div class="alert alert-info" role="status">
  Before you can create a login node here:
  <ul class="mb-0">
  % if 'system_account' in missing:
    <li>create your system account on ${controller.name} (<a href="${request.route_path('accounts')}#cc-${controller.id}">Manage My Accounts &amp; Groups</a>);</li>
  % endif
  % if 'home' in missing:
    <li>create your $HOME storage volume (<a href="${request.route_path('accounts')}#cc-${controller.id}">Manage My Accounts &amp; Groups</a>).</li>
  % endif
  </ul>
</div>
% endif
${f.form_message(form)}
<form method="post" action="${request.route_path('nodes.create', cc=controller.id)}" novalidate>
  ${f.csrf()}
  <div class="form-group">
    <label for="f-flavor">VM type</label>
    <select id="f-flavor" name="flavor" class="form-control${' is-invalid' if form.errors.get('flavor') else ''}" required
      % if form.errors.get('flavor'):
            aria-describedby="f-flavor-error" aria-invalid="true"
      % endif
    >
      <option value="">Choose a VM type</option>
      % for flavor in flavors:
      <option value="${flavor['id']}" ${'selected' if form.value('flavor') == flavor['id'] else ''}>${flavor_text(flavor)}</option>
      % endfor
    </select>
    % if form.errors.get('flavor'):
    <div id="f-flavor-error" class="invalid-feedback">${form.errors['flavor']}</div>
    % endif
  </div>
  <div class="form-group">
    <label for="f-image">Image</label>
    <select id="f-image" name="image" class="form-control${' is-invalid' if form.errors.get('image') else ''}" required
      % if form.errors.get('image'):
            aria-describedby="f-image-error" aria-invalid="true"
      % endif
    >
      <option value="">Choose an image</option>
      % for image in images:
      <option value="${image['id']}" ${'selected' if form.value('image') == image['id'] else ''}>${image.get('name', image['id'])}</option>
      % endfor
    </select>
    % if form.errors.get('image'):
    <div id="f-image-error" class="invalid-feedback">${form.errors['image']}</div>
    % endif
  </div>
  <button type="submit" class="btn btn-primary">Create</button>
  <a class="btn btn-link" href="${request.route_path('nodes')}">Cancel</a>
</form>
