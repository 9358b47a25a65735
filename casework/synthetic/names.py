"""Name lists for synthetic children and staff, made for this project.

Nobody is listed here: these are common given names and surnames of the countries the
children come from, put together by hand, so that synthetic cases look like real ones
(compound Spanish names, Mayan surnames, apostrophes and accents that the blind index
must fold) without any real person's data. Lists are in rough order of how common the
name is; `weighted` turns that order into draw weights (a few names are very common,
as in life, which is what makes name search realistic).
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Sequence
from dataclasses import dataclass

SPANISH_GIVEN_FEMALE = (
    "María", "Ana", "Rosa", "Dulce", "Génesis", "Sofía", "Valeria", "Camila", "Daniela",
    "Gabriela", "Fernanda", "Alejandra", "Andrea", "Paola", "Karla", "Jennifer", "Yesenia",
    "Guadalupe", "Marisol", "Lucía", "Elena", "Isabel", "Juana", "Margarita", "Esperanza",
    "Alba", "Ximena", "Mariana", "Josefina", "Estefany", "Dayana", "Heidy", "Katherin",
    "Nayeli", "Wendy", "Brenda", "Lesly", "Yuliana", "Cindy", "Evelyn", "Sandra", "Mayra",
    "Flor", "Leticia", "Reina", "Marta", "Silvia", "Teresa", "Blanca", "Mirna", "Gloria",
    "Iris", "Lourdes", "Noemí", "Olga", "Raquel", "Susana", "Vilma", "Zoila", "Abigail",
    "Carmen", "Jimena", "Belén", "Ashley", "Kimberly", "Yaritza", "Milagro", "Areli",
)
SPANISH_GIVEN_MALE = (
    "José", "Juan", "Luis", "Carlos", "Jorge", "Kevin", "Wilmer", "Brayan", "Josué",
    "Miguel", "Jonathan", "Anderson", "Edwin", "Erick", "Francisco", "Pedro", "Mario",
    "Marvin", "Óscar", "Santiago", "Mateo", "Diego", "Daniel", "David", "Ángel",
    "Alexander", "Cristian", "Elmer", "Fredy", "Henry", "Hugo", "Jairo", "Jefferson", "Jhon",
    "Julio", "Kener", "Lester", "Manuel", "Nelson", "Pablo", "Rafael", "Ricardo", "Rony",
    "Samuel", "Selvin", "Walter", "Yeferson", "Yordi", "Antonio", "Byron", "Denis",
    "Eduardo", "Emerson", "Gerson", "Héctor", "Isaac", "Jaime", "Roberto", "Sergio",
    "Víctor", "Axel", "Dylan", "Édgar", "Efraín", "Germán", "Ismael", "Joel", "Nehemías",
)
SPANISH_FAMILY = (
    "López", "García", "Hernández", "Pérez", "Martínez", "González", "Rodríguez", "Ramírez",
    "Sánchez", "Cruz", "Flores", "Gómez", "Morales", "Vásquez", "Reyes", "Jiménez", "Torres",
    "Díaz", "Gutiérrez", "Ruiz", "Mendoza", "Aguilar", "Ortiz", "Castillo", "Romero",
    "Álvarez", "Méndez", "Chávez", "Rivera", "Juárez", "Ramos", "Domínguez", "Herrera",
    "Medina", "Castro", "Vargas", "Guzmán", "Velásquez", "Muñoz", "Rojas", "Contreras",
    "Salazar", "Luna", "Ortega", "Santiago", "Guerrero", "Estrada", "Bautista", "Cortés",
    "Soto", "Alvarado", "Espinoza", "Lara", "Ávila", "Ríos", "Cabrera", "Orellana",
    "Escobar", "Barrios", "Fuentes", "Cardona", "Mejía", "Zelaya", "Argueta", "Pineda",
    "Villatoro", "De León", "Del Cid", "Monterroso", "Recinos", "Maldonado", "Solís",
    "Carrillo", "Galindo", "Osorio", "Portillo", "Quintanilla", "Amaya", "Funes", "Lemus",
)
# Maya surnames of Guatemala and Chiapas (K'iche', Kaqchikel, Mam, Q'eqchi', Q'anjob'al,
# Tz'utujil, Ixil): spelled as families write them, accents and apostrophes included.
MAYAN_FAMILY = (
    "Ixcoy", "Tzoc", "Chún", "Xicay", "Tzul", "Cux", "Batz", "Coc", "Caal", "Choc", "Pop",
    "Tut", "Cuc", "Xol", "Ical", "Chen", "Quej", "Tiul", "Bol", "Sacul", "Tzib", "Cumes",
    "Cutzal", "Sicán", "Sotz", "Yax", "Tuyuc", "Chiquín", "Chojolán", "Quiacaín", "Tzunún",
    "Ajú", "Cotí", "Xinico", "Coj", "Ajcot", "Tumax", "Saquic", "Chanchavac", "Tecum",
    "Guarcas", "Ajanel", "Canil", "Tojín", "Chay", "Bixcul", "Chumil", "Ixtabalán", "Sapón",
    "Quiej", "Yac", "Mux", "Xoy", "Matzar", "Ixquiac", "Chopén", "Ajpacajá", "Tzay",
    "Cojtí", "Raxón", "K'oy", "Q'eq", "Ch'ok", "Tz'ib'", "B'alam", "Kej",
)
# Given names of Maya origin that some families choose.
MAYAN_GIVEN_FEMALE = ("Ixchel", "Nikté", "Ixmucané", "Itzel", "Ixkik'", "Saqik", "Ixkem",
                      "Sak Nikté", "Ix'ik")
MAYAN_GIVEN_MALE = ("Balam", "Tecún", "Kan", "Ajpop", "Q'anil", "Tojil", "Iq'", "Kawoq",
                    "B'atz'")
# For the few Haitian and Brazilian children.
CREOLE_GIVEN_FEMALE = ("Marie", "Rose", "Wideline", "Nadège", "Fabiola", "Stéphanie",
                       "Mirlande", "Judeline")
CREOLE_GIVEN_MALE = ("Jean", "Pierre", "Kervens", "Jameson", "Wilner", "Jouvens", "Ricardo",
                     "Wideson")
CREOLE_FAMILY = ("Joseph", "Jean-Baptiste", "Pierre", "Louis", "Charles", "Saint-Fleur",
                 "Dorvil", "Désir", "Métellus", "Exantus", "Augustin", "Célestin")
PORTUGUESE_GIVEN_FEMALE = ("Ana", "Beatriz", "Júlia", "Larissa", "Letícia", "Maria Eduarda")
PORTUGUESE_GIVEN_MALE = ("João", "Gabriel", "Lucas", "Matheus", "Guilherme", "Pedro Henrique")
PORTUGUESE_FAMILY = ("Silva", "Santos", "Oliveira", "Souza", "Pereira", "Lima", "Carvalho",
                     "Ferreira", "Rodrigues", "Almeida")


def weighted(names: Sequence[str], skew: float = 0.9) -> tuple[Sequence[str], list[float]]:
    """The names with cumulative weights falling as 1/rank**skew (a Zipf-like draw)."""
    weights = [1 / (rank ** skew) for rank in range(1, len(names) + 1)]
    return names, list(itertools.accumulate(weights))


@dataclass(frozen=True)
class NamePool:
    """The lists a child of one background draws from."""

    given_female: tuple
    given_male: tuple
    family: tuple
    second_family: tuple  # where the mother's surname is drawn from

    def draw(self, rng: random.Random, sex: str | None) -> tuple[str, str]:
        """(given names, family names): one or two of each, as people write them."""
        given = self.given_female if sex == "female" else (
            self.given_male if sex == "male" else rng.choice((self.given_female,
                                                               self.given_male)))
        first = _pick(rng, given)
        names = [first]
        if rng.random() < 0.6:
            second = _pick(rng, given)
            if second != first:
                names.append(second)
        family = [_pick(rng, self.family)]
        if rng.random() < 0.85:
            family.append(_pick(rng, self.second_family))
        return " ".join(names), " ".join(family)


def _pick(rng: random.Random, pool: tuple) -> str:
    names, cumulative = pool
    return rng.choices(names, cum_weights=cumulative)[0]


_SPANISH = NamePool(weighted(SPANISH_GIVEN_FEMALE), weighted(SPANISH_GIVEN_MALE),
                    weighted(SPANISH_FAMILY), weighted(SPANISH_FAMILY))
# A Maya child: mostly Spanish given names (as in life), Maya surnames, some mixed.
_MAYAN = NamePool(
    weighted(SPANISH_GIVEN_FEMALE[:40] + MAYAN_GIVEN_FEMALE, skew=0.7),
    weighted(SPANISH_GIVEN_MALE[:40] + MAYAN_GIVEN_MALE, skew=0.7),
    weighted(MAYAN_FAMILY, skew=0.6),
    weighted(MAYAN_FAMILY + SPANISH_FAMILY[:20], skew=0.6),
)
_CREOLE = NamePool(weighted(CREOLE_GIVEN_FEMALE), weighted(CREOLE_GIVEN_MALE),
                   weighted(CREOLE_FAMILY), weighted(CREOLE_FAMILY))
_PORTUGUESE = NamePool(weighted(PORTUGUESE_GIVEN_FEMALE), weighted(PORTUGUESE_GIVEN_MALE),
                       weighted(PORTUGUESE_FAMILY), weighted(PORTUGUESE_FAMILY))

MAYAN_LANGUAGES = frozenset({"quc", "mam", "kjb", "kek", "cak", "knj", "cac", "ixl"})


def pool_for(nationality: str, languages: Sequence[str]) -> NamePool:
    if MAYAN_LANGUAGES & set(languages):
        return _MAYAN
    if nationality == "HT":
        return _CREOLE
    if nationality == "BR":
        return _PORTUGUESE
    return _SPANISH


def staff_name(rng: random.Random) -> str:
    """A member of staff: one given name and one surname."""
    given = _pick(rng, rng.choice((_SPANISH.given_female, _SPANISH.given_male)))
    return f"{given} {_pick(rng, _SPANISH.family)}"
