## After the portal's own logout of an SSO session: on to the Shibboleth SP's logout handler.
## A page of its own, not a redirect of the logout form: the portal's CSP (form-action 'self')
## would stop a form's redirect chain at the identity provider's single logout. No layout: the
## "You are logged out" message waits for the login page the SP returns to.
<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <meta http-equiv="refresh" content="0;url=${target}">
  <title>Logging out · ${site.title}</title>
  <link rel="stylesheet" href="${bootstrap('css/bootstrap.min.css')}">
  <link rel="stylesheet" href="${request.static_path('cloudportal:static/portal.css')}">
</head>
<body>
<main id="main" class="container portal-main">
  <h1>You are logged out of ${site.title}</h1>
  <p>Now ending your single sign-on session with your organization.</p>
  <p><a href="${target}" id="sso-logout-continue">Continue</a> if this page stays.</p>
</main>
</body>
</html>
