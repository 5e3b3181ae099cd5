"""Pure, typed analysis core: never imports azure or knack."""
