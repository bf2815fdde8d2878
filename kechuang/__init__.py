"""Kechuang (科创): runs a district's science-and-technology innovation action plan."""
