"""Language choice: Simplified Chinese by default, English on request (?lang=en, remembered)."""
from flask import Flask, current_app, has_request_context, request
from flask_babel import get_locale


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI, device listener, sync daemon
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    wanted = request.args.get("lang") or request.cookies.get("lang")
    if wanted in languages:
        return wanted
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def local_name(thing) -> str:
    """A hall's or window's name in the page's language: its English name where one is set."""
    return thing.display_name(select_locale())


def register(app: Flask) -> None:
    app.jinja_env.globals["get_locale"] = get_locale
    app.jinja_env.globals["local_name"] = local_name

    @app.after_request
    def remember_language(response):
        lang = request.args.get("lang")
        if lang in app.config["LANGUAGES"]:
            response.set_cookie("lang", lang, max_age=365 * 86400, samesite="Lax")
        return response
