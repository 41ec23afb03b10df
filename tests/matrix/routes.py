from .routes_core import ROUTES as CORE

ROUTES = [*CORE]
