"""The classroom load tool (``make load``): simulated students over Streamlit's websocket."""
