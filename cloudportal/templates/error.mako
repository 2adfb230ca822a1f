<%inherit file="/layout.mako"/>
<%def name="title()">${heading}</%def>
<h1>${heading}</h1>
<div class="alert alert-danger" role="alert">${message}</div>
<p><a href="${request.route_path('home')}">Back to the portal</a></p>
