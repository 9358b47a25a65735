from casework.accounts.roles import Role


def test_login_register_and_open_case(client, world, make):
    cw = world("MX", Role.CASEWORKER)
    make.login(client, cw)
    case = make.case(cw)
    page = client.get(f"/cases/{case.id}")
    assert page.status_code == 200
    assert "Ana Lucía" in page.get_data(as_text=True)
