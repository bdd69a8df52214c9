"""What the parts of a simulation (D2A stays, the wait to leave hospital) may use of the running
simulation (seed.flow.Simulation), so they depend on this description rather than on the
simulation that uses them."""

from __future__ import annotations

import random
from typing import Protocol

from seed.acute import Wards
from seed.clock import Calendar
from seed.params import Params
from seed.patient import Patient
from seed.services import Services
from seed.system import SystemPlan


class World(Protocol):
    """The running simulation as its parts see it."""

    plan: SystemPlan
    params: Params
    calendar: Calendar
    rng: random.Random
    wards: Wards
    services: Services
    ready: dict[str, Patient]  # people ready to leave their bed, in order

    def schedule(self, minute: int, action: str, patient: Patient) -> None: ...

    def admit(self, patient: Patient, minute: int, method: str) -> None: ...

    def after_discharge(self, patient: Patient, at: int, destination: str) -> None: ...

    def finish(self, patient: Patient) -> None: ...
