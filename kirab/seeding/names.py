"""Names for the national data set: people, organisations, places and reasons."""

from __future__ import annotations

import random


def words(text: str) -> list[str]:
    """The words of a text, for lists kept readable in the source."""
    return text.split()


FIRST = words(
    "Budi Agus Siti Dewi Ahmad Rina Eko Sri Joko Nur Indah Andi Wahyu Ratna Hendra Yuni "
    "Fajar Lestari Bambang Ayu Dedi Fitri Rudi Maya Teguh Wulan Arif Sari Dian Bayu Putri "
    "Rizki Intan Ilham Novi Yusuf Mega Hadi Citra Irfan Tuti Gilang Wati Rahmat Kartika "
    "Taufik Nanda Fauzi Desi Hasan Anisa Rahmad Ketut Made Wayan Nyoman Komang Putu Yohanes "
    "Maria Frans Agustina Petrus Yakobus Elisabet Markus Yosefina Daud Ruth Samuel Debora "
    "Ismail Zainab Halim Aminah Rasyid Salma Usman Khadijah Syahrul Laila Teuku Cut Ucok Butet"
)
MIDDLE = words(
    "Adi Dwi Tri Eka Nur Putra Putri Sri Dharma Indra Surya Cahya Ayu Bagus Kurnia Tirta "
    "Wira Permana Jaya Sakti Mulya Rahayu Utami Kusuma Wijaya Pratama Lestari Hidayat "
    "Maulana Ramadhan Syahputra Fitriani Anggraini Saputra Setiawan Nugraha Prasetyo Wibowo"
)
LAST = words(
    "Santoso Wijaya Saputra Hidayat Nugroho Kusuma Siregar Nasution Harahap Lubis Simanjuntak "
    "Sinaga Tambunan Pangaribuan Hutapea Situmorang Gultom Manurung Sitompul Panjaitan "
    "Rahman Hakim Syahputra Setiawan Pratama Wibowo Susanto Purnomo Firmansyah Gunawan "
    "Kurniawan Suryadi Hartono Sulistyo Utomo Permana Ramadhan Maulana Hasibuan Daulay "
    "Pohan Batubara Tanjung Chaniago Piliang Koto Sikumbang Pasaribu Mandagi Rumagit Lumban "
    "Wenas Pontoh Tamba Mahendra Putra Suparman Rusdi Haryanto Iskandar Saleh Latuconsina "
    "Pattimura Rumbiak Wonda Kogoya Tabuni Mote Ndiku Kolo Manek Bria Seran Lamury Pello"
)

MEDIA = ["Antara", "RRI", "TVRI", "Kompas", "Tempo", "Tribun", "Radar", "Suara", "Pos", "Detik"]
GOVERNMENT = ["Pemerintah", "Polres", "Kodim", "Dinas Pendidikan", "Kesbangpol", "Satpol PP"]
CAMPUS = [
    "Universitas Negeri",
    "Politeknik Negeri",
    "Institut Agama Islam Negeri",
    "Universitas Terbuka UPBJJ",
    "Sekolah Tinggi Ilmu Ekonomi",
    "Universitas Muhammadiyah",
]
OUTREACH = [
    ("Sosialisasi Pemilu untuk pemilih pemula", "Aula Kantor Kecamatan"),
    ("Sosialisasi Pemilu untuk pemilih penyandang disabilitas", "Balai Warga Kecamatan"),
    ("Pemilu fair dan pentas seni budaya", "Lapangan Kecamatan"),
    ("Senam jingle Pemilu 2024", "Alun-alun Kecamatan"),
    ("Nonton bareng film Kejarlah Janji", "Gedung Serbaguna Kecamatan"),
    ("Kirab budaya dan sosialisasi tahapan Pemilu", "Balai Desa di Kecamatan"),
]
COUNTING_POSTS = ["Pos Utara", "Pos Selatan", "Pos Timur", "Pos Barat", "Gerbang Utama"]
CANCEL_REASONS = [
    "Hujan deras sejak pagi; kegiatan ditunda ke stop berikutnya.",
    "Tempat tidak dapat digunakan pada hari itu.",
    "Bertepatan dengan agenda Forkopimda; kegiatan digabung dengan acara lain.",
    "Jalan menuju lokasi terputus karena banjir.",
]
SIGNATORY_TITLES = ("Ketua", "Sekretaris")


def person_name(rng: random.Random) -> str:
    """A plausible Indonesian name of two or three words."""
    if rng.random() < 0.5:
        return f"{rng.choice(FIRST)} {rng.choice(MIDDLE)} {rng.choice(LAST)}"
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}"


def phone(rng: random.Random) -> str:
    """A mobile number as people write it."""
    return f"08{rng.randrange(11, 99)}-{rng.randrange(1000, 9999)}-{rng.randrange(1000, 9999)}"


def token(rng: random.Random) -> str:
    """An idempotency key or calendar UID part: 32 hexadecimal digits from the seed."""
    return f"{rng.getrandbits(128):032x}"
