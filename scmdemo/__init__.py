"""``scm-demo``: the launcher that starts the simulator and every app in one process. It sits
above the apps (it imports them all), so it lives outside ``common/``, which imports none."""
