"""The login lockout's bookkeeping (django-axes), with one change to what a success clears.

Failures are counted per user name and, separately, per client address
(AXES_LOCKOUT_PARAMETERS). django-axes' own "reset on success" deletes every attempt matching
*any* lockout parameter of the successful login, so a good login from an address wiped the
failures of every other account tried from it: with one valid account an attacker could guess
another's password without end. Here a success clears only the failures recorded against its
own user name; the address keeps counting the others.
"""

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt


class UsernameResetHandler(AxesDatabaseHandler):
    def reset_user_attempts(self, request, credentials=None) -> int:
        username = get_client_username(request, credentials)
        if not username:
            return 0
        deleted, _ = AccessAttempt.objects.filter(username=username).delete()
        return deleted
