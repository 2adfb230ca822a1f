<%inherit file="/layout.mako"/>
<%namespace name="f" file="/forms.mako"/>
<% name = node.get('hostname') or node['id'] %>
<%def name="title()">Login node · Administration</%def>
<p><a href="${request.route_path('admin.nodes', _query={'cc': str(controller.id)})}">← All login nodes on ${controller.name}</a></p>
<h1>${name}</h1>
<dl class="row">
  <dt class="col-sm-3">SCM id</dt><dd class="col-sm-9"><span class="text-monospace">${node['id']}</span></dd>
  <dt class="col-sm-3">Owner</dt><dd class="col-sm-9">${owner}</dd>
  <dt class="col-sm-3">Status</dt><dd class="col-sm-9">${labels.get(node.get('status'), node.get('status'))}${' — %s' % node['status-reason'] if node.get('status-reason') else ''}</dd>
  <dt class="col-sm-3">VM type</dt><dd class="col-sm-9">${flavor or node.get('server-flavor')}</dd>
  <dt class="col-sm-3">Public IP</dt><dd class="col-sm-9">${node.get('public-ip', '—')}</dd>
  <dt class="col-sm-3">Created</dt><dd class="col-sm-9">${node.get('creation-date', '').replace('T', ' ')} UTC</dd>
</dl>
% if node.get('status') not in ('DELETED', 'DELETING'):
<h2 class="h4">Power</h2>
<form method="post" action="${request.route_path('admin.node_power', cc=controller.id, instance=node['id'])}" class="mb-4">
  ${f.csrf()}
  <input type="hidden" name="from" value="node">
  % for action, label in actions.items():
  <button type="submit" name="action" value="${action}" class="btn btn-outline-secondary btn-sm">${label}</button>
  % endfor
  <small class="form-text text-muted">Power off keeps the boot disk and the same SCM id; no server-hours are counted while off.</small>
</form>

<h2 class="h4">Permissions</h2>
${f.form_message(grants_form)}
<form method="post" action="${request.route_path('admin.node_permissions', cc=controller.id, instance=node['id'])}" class="mb-4" novalidate>
  ${f.csrf()}
  % if node.get('user-permissions'):
  <table class="table table-sm">
    <caption class="sr-only">Who may use ${name}</caption>
    <thead><tr><th scope="col">System account</th><th scope="col">Keep access</th><th scope="col">May power</th><th scope="col">May delete</th></tr></thead>
    <tbody>
    % for g in node['user-permissions']:
    <% uid = g['user-id']; acct = accounts.get(uid, {}) %>
    <tr>
      <td>${acct.get('system-name', uid)}</td>
      <td><input type="checkbox" name="keep" value="${uid}" checked aria-label="Keep access for ${acct.get('system-name', uid)}"></td>
      <td><input type="checkbox" name="power" value="${uid}" ${'checked' if g.get('power') else ''} aria-label="May power"></td>
      <td><input type="checkbox" name="delete" value="${uid}" ${'checked' if g.get('delete') else ''} aria-label="May delete"></td>
    </tr>
    % endfor
    </tbody>
  </table>
  % else:
  <p>Only the owner (and their account owner) may use this node.</p>
  % endif
  ${f.field(grants_form, 'add', 'Give access to a system account (its name on %s)' % controller.name, autocomplete='off', prefix='grant')}
  <button type="submit" class="btn btn-primary btn-sm">Save permissions</button>
</form>

<h2 class="h4">Delete</h2>
${f.form_message(delete_form)}
<form method="post" action="${request.route_path('admin.node_delete', cc=controller.id, instance=node['id'])}" novalidate>
  ${f.csrf()}
  <div class="form-check mb-2">
    <input class="form-check-input${' is-invalid' if delete_form.errors.get('confirm') else ''}" type="checkbox" name="confirm" value="yes" id="delete-confirm"
    % if delete_form.errors.get('confirm'):
      aria-describedby="delete-confirm-error" aria-invalid="true"
    % endif
    >
    <label class="form-check-label" for="delete-confirm">Yes, delete ${name} and its boot disk. This cannot be undone.</label>
    % if delete_form.errors.get('confirm'):
    <div id="delete-confirm-error" class="invalid-feedback">${delete_form.errors['confirm']}</div>
    % endif
  </div>
  <button type="submit" class="btn btn-danger btn-sm">Delete login node</button>
</form>
% else:
<p>This node is deleted.</p>
% endif
