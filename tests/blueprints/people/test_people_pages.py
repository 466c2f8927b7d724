"""The staff register: adding and editing a member of staff, and who the list shows."""


def test_technician_adds_and_edits_a_member_of_staff(client, as_role, database):
    as_role("technician")
    response = client.post(
        "/people/new",
        data={
            "name": "Mrs K Mills",
            "email": "mills@ashbrook.sch.uk",
            "staff_number": "S0042",
            "job_title": "Class Teacher",
            "contract_end_date": "2027-07-31",
            "active": "y",
        },
    )
    assert response.status_code == 302
    person_url = response.location
    page = client.get(person_url).text
    assert "Mrs K Mills" in page and "31/07/2027" in page
    client.post(
        person_url + "/edit",
        data={
            "name": "Mrs K Mills",
            "email": "mills@ashbrook.sch.uk",
            "job_title": "SENCo",
            "active": "y",
        },
    )
    page = client.get(person_url).text
    assert "Class Teacher → SENCo" in page
    assert "Mrs K Mills" in client.get("/people/?q=mills").text


def test_people_list_hides_leavers_unless_asked(client, make, as_role):
    as_role("office")
    make.person("Mr Here")
    make.person("Mrs Gone", active=False)
    page = client.get("/people/").text
    assert "Mr Here" in page and "Mrs Gone" not in page
    assert "Mrs Gone" in client.get("/people/?all=1").text
