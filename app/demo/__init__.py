"""The demo council ``make run`` serves: its organisation, a login per role, three financial
years of periods, 48 indicators whose figures tell a story (``indicators``), and the golden
thread of plans, actions, projects and risks around them (``plans``). ``seed`` writes it all
through the same services the API uses; seeding again changes nothing."""

from app.demo.seed import DEMO_PASSWORD, demo_logins, seed_demo

__all__ = ["DEMO_PASSWORD", "demo_logins", "seed_demo"]
