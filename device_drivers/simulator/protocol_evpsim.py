"""pyserial URL handler `evpsim://NAME?devices=1,2,3&keys=5&timing=0`.

serial.serial_for_url("evpsim://...") finds this module once
device_drivers.simulator.register() has added our package to
serial.protocol_handler_packages. NAME selects a simulator in this process
(get_simulator(NAME)); it is created from the query options if it does not
exist yet, so a test can open the port first and press keys afterwards.
"""

from __future__ import annotations

from .sim_serial import SimSerial


class Serial(SimSerial):
    scheme = "evpsim"
