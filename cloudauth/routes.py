"""Every Cloud Auth route in one place. Reads are GET, changes are POST (shared/API.md)."""


def includeme(config):
    add = config.add_route
    add("root", "/")
    config.include("common.openapi")  # GET /openapi.json, public
    add("auth.request_token", "/auth/request_token")
    add("auth.login", "/auth/login")
    add("auth.authenticate", "/auth/authenticate")
    add("auth.sso_login", "/auth/sso_login")
    add("auth.sso_admin_login", "/auth/sso_admin_login")
    add("auth.verify_token", "/auth/verify_token")
    add("auth.revoke_token", "/auth/revoke_token")
    # the portal's self-registration and forgotten passwords (cloudauth.registration)
    add("auth.account_status", "/auth/account_status")
    add("auth.register", "/auth/register")
    add("auth.reset_password", "/auth/reset_password")
    add("auth.scw_token", "/auth/scw_token")

    add("user.list", "/user/list")
    add("user.create", "/user/create")
    add("user.view", "/user/view/{user_id}")
    add("user.update", "/user/update/{user_id}")
    add("user.set_password", "/user/set_password/{user_id}")

    add("api_key.view", "/api_key/view/{user_id}")
    add("api_key.create", "/api_key/create/{user_id}")
    add("api_key.set", "/api_key/set/{user_id}")
    add("api_key.delete", "/api_key/delete/{user_id}")

    add("role.list", "/role/list")
    add("role.view", "/role/view/{role_id}")
    add("role.add_user", "/role/add_user/{role_id}")
    add("role.remove_user", "/role/remove_user/{role_id}")
    add("role.add_permission", "/role/add_permission/{role_id}")
    add("role.remove_permission", "/role/remove_permission/{role_id}")
    add("permission.list", "/permission/list")
    add("permission.view", "/permission/view/{permission_id}")

    add("cloud_controller.list", "/cloud_controller/list")
    add("cloud_controller.create", "/cloud_controller/create")
    add("cloud_controller.view", "/cloud_controller/view/{cc_id}")
    add("cloud_controller.update", "/cloud_controller/update/{cc_id}")

    add("system_account.list", "/system_account/list")
    add("system_account.create", "/system_account/create")
    add("system_account.delete", "/system_account/delete/{account_id}")

    add("audit.list", "/audit/list")

    # masquerade ("view as", cloudauth.masquerade)
    add("auth.masquerade", "/auth/masquerade")
    add("auth.masquerade_end", "/auth/masquerade/end")
    add("audit.record", "/audit/record")
