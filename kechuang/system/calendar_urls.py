from .registries import CalendarDayRegistry

# the holiday calendar's registry pages (calendar-days:list, :detail …) under /system/calendar/
app_name = "calendar-days"
urlpatterns = CalendarDayRegistry().urls()
