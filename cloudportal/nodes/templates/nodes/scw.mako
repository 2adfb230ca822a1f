<%inherit file="/layout.mako"/>
<%def name="title()">SCW Login: ${node.hostname or node.id}</%def>
## The hand-off to the node's workstation (docs/scw.md). portal.js sends the form at once
## (data-autosubmit); without JavaScript the button does. The token is good once, for seconds.
<h1>Signing you in to ${node.hostname or node.id}</h1>
<p>You are being sent to the Scyld Cloud Workstation of <strong>${node.hostname or node.id}</strong>
  on ${controller.name}, at <strong class="text-break">${workstation}</strong>. It signs you in as ${fields['email']}.</p>
<form method="post" action="${workstation}" data-autosubmit class="portal-scw-handoff">
  % for name, value in fields.items():
  <input type="hidden" name="${name}" value="${value}">
  % endfor
  <button type="submit" class="btn btn-primary">Continue to the workstation</button>
</form>
<p class="small text-muted mt-3">This sign-in works once, within a few seconds (until ${expires_at_utc.replace('T', ' ')[:19]} UTC).
  If it has expired, go back to <a href="${request.route_path('nodes', _anchor='node-' + node.id)}">My Login Nodes</a>
  and use SCW Login again.</p>
