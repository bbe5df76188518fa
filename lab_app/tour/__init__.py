"""The guided tour: stops in the talk's order (plain data), a ring that follows the control, and the controller."""
