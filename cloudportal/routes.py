"""Every portal route in one place (dotted names per feature)."""


def includeme(config):
    add = config.add_route
    add("home", "/")
    add("site_logo", "/site-logo")

    add("login", "/login")
    add("logout", "/logout")
    add("password_change", "/password")

    # SAML single sign-on (cloudportal.sso): mod_shib protects /sso/login
    add("sso.login", "/sso/login")
    add("sso.admin", "/sso/admin")

    add("profile", "/profile")
    add("profile.details", "/profile/details")
    add("profile.password", "/profile/password")
    add("profile.api_key", "/profile/api-key")

    add("nodes", "/nodes")
    add("nodes.create", "/nodes/{cc}/create")
    add("nodes.deleted", "/nodes/{cc}/deleted")
    add("nodes.power", "/nodes/{cc}/{instance}/power")
    add("nodes.delete", "/nodes/{cc}/{instance}/delete")
    add("nodes.acl", "/nodes/{cc}/{instance}/acl")
    add("nodes.status", "/nodes/{cc}/{instance}/status")

    # Scyld Cloud Workstation sign-in (seed 1.8.9, docs/scw.md)
    add("nodes.scw", "/nodes/{cc}/{instance}/scw")

    add("accounts", "/accounts")
    add("accounts.system_account", "/accounts/{cc}/system-account")
    add("accounts.home", "/accounts/{cc}/home")
    add("accounts.key_add", "/accounts/{cc}/keys")
    add("accounts.key_remove", "/accounts/{cc}/keys/remove")
    add("accounts.group_create", "/accounts/{cc}/groups")
    add("accounts.group_members", "/accounts/{cc}/groups/{group}/members")
    add("accounts.group_delete", "/accounts/{cc}/groups/{group}/delete")

    add("users", "/users")
    add("users.item", "/users/{user}")
    add("users.active", "/users/{user}/active")
    add("users.password", "/users/{user}/password")
    add("users.role", "/users/{user}/role")

    add("reports", "/reports")
    add("reports.statement", "/reports/statement")
    add("reports.jobs", "/reports/jobs/detail")
    add("reports.jobs_csv", "/reports/jobs/detail.csv")
    add("reports.family_csv", "/reports/{family}.csv")
    add("reports.family", "/reports/{family}")

    # registration, forgotten passwords, the whitelist (cloudportal.registration)
    add("register", "/register")
    add("register.complete", "/register/{token}")
    add("password_forgot", "/password/forgot")
    add("password_reset", "/password/reset/{token}")
    add("admin.whitelist", "/admin/whitelist")
    add("admin.whitelist_remove", "/admin/whitelist/remove")
    # superuser mode (issue 12): Administration pages and masquerade ("view as")
    add("admin.users", "/admin/users")
    add("admin.user", "/admin/users/{user}")
    add("admin.user_active", "/admin/users/{user}/active")
    add("admin.user_roles", "/admin/users/{user}/roles")
    add("admin.user_password", "/admin/users/{user}/password")
    add("admin.user_api_key", "/admin/users/{user}/api-key")
    add("admin.masquerade", "/admin/users/{user}/view-as")
    add("admin.masquerade_end", "/admin/view-as/stop")
    add("admin.nodes", "/admin/nodes")
    add("admin.node", "/admin/nodes/{cc}/{instance}")
    add("admin.node_power", "/admin/nodes/{cc}/{instance}/power")
    add("admin.node_delete", "/admin/nodes/{cc}/{instance}/delete")
    add("admin.node_permissions", "/admin/nodes/{cc}/{instance}/permissions")
    add("admin.controllers", "/admin/controllers")
    add("admin.controller", "/admin/controllers/{cc_id}")
    add("admin.audit", "/admin/audit")

    add("help", "/help")
    add("faq", "/faq")
