"""A machine without Qt's X11 libraries gets one line naming the packages to install, not Qt's abort."""
from gui import app, platform_check


def test_library_names_become_debian_packages():
    assert platform_check.package_for("libxcb-cursor.so.0") == "libxcb-cursor0"
    assert platform_check.package_for("libxkbcommon-x11.so.0") == "libxkbcommon-x11-0"
    assert platform_check.package_for("libxcb-render-util.so.0") == "libxcb-render-util0"


def test_missing_libraries_are_named_in_one_line_and_the_window_does_not_start(monkeypatch, capsys):
    monkeypatch.setenv("DISPLAY", ":9")
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    monkeypatch.setattr("sys.platform", "linux")
    monkeypatch.setattr(platform_check, "missing_packages", lambda: ["libxcb-icccm4", "libxcb-keysyms1"])
    assert app.main([]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["chainboard: Qt's X11 support needs system libraries that are missing; install them with: "
                   "sudo apt install libxcb-icccm4 libxcb-keysyms1"]


def test_offscreen_and_wayland_are_not_checked(monkeypatch):
    monkeypatch.setenv("DISPLAY", ":9")
    for platform in ("offscreen", "wayland"):
        monkeypatch.setenv("QT_QPA_PLATFORM", platform)
        assert not platform_check.wants_xcb()


def test_the_check_reads_what_the_dynamic_linker_says(monkeypatch):
    class Done:
        stdout = "\tlibxcb-icccm.so.4 => not found\n\tlibc.so.6 => /lib/libc.so.6\n"
    monkeypatch.setattr(platform_check.subprocess, "run", lambda *a, **k: Done())
    assert platform_check.missing_packages() == ["libxcb-icccm4"]
