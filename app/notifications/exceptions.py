from app.core.errors import Forbidden, NotFound


class NotificationNotFound(NotFound):
    title, slug = "Notification not found", "notification-not-found"


class NotificationsAreForPeople(Forbidden):
    title, slug = "Notifications are for people", "notifications-for-people"
