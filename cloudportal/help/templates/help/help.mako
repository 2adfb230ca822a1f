<%inherit file="/layout.mako"/>
<%def name="title()">Help</%def>
## A site replaces this page with its own help/help.mako in site.templates.
<h1>Help</h1>
<h2>Login nodes</h2>
<p>A login node is a virtual machine you reach over ssh. Each location (cloud controller) has its
own list on <a href="${request.route_path('nodes')}">My Login Nodes</a>.</p>
<ol>
  <li>Create your system account on the location under
    <a href="${request.route_path('accounts')}">Manage My Accounts &amp; Groups</a>
    (and your $HOME storage volume, where your site manages storage).</li>
  <li>Add your SSH public key there, where your site manages keys.</li>
  <li>Choose <em>Create a Login Node</em>, pick a VM type and an image. The status updates by
    itself while the node builds; it is ready when it shows <em>Running</em> with a public IP.</li>
  <li>Log in with <code>ssh &lt;your system name&gt;@&lt;public IP&gt;</code>.</li>
</ol>
<h2>Power off, power on, delete</h2>
<p>Power off removes the running server but keeps the node's disk and its id; an off node uses no
server-hours. Power on starts it again from the same disk (its public IP may change). Delete
removes the node and its disk for good.</p>
<h2>Account owners</h2>
<p>Account owners create and manage users under <em>Manage My Users</em>, and choose on each login
node which of their users may log in, power it on and off, or delete it (<em>Manage ACLs</em>).</p>
